from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.identity import service as identity_service
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine


class ActorNameByAccountIdLoader(DataLoader[uuid.UUID, str | None]):
    """Display names of the accounts named by events of records already shown to the
    caller (reading the record authorizes reading who acted on it)."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[str | None]:
        async with self.reads.session() as session:
            found = await identity_service.display_names(ids, session=session)
        return [found.get(i) for i in ids]
