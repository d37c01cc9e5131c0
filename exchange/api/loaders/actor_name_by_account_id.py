from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.db.engine import Database
from exchange.identity import service as identity_service
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine


class ActorNameByAccountIdLoader(DataLoader[uuid.UUID, str | None]):
    """Display names of the accounts named by events of records already shown to the
    caller (reading the record authorizes reading who acted on it)."""

    def __init__(self, identity: Identity, db: Database, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.db, self.policy = identity, db, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[str | None]:
        async with self.db.read() as session:
            found = await identity_service.display_names(ids, session=session)
        return [found.get(i) for i in ids]
