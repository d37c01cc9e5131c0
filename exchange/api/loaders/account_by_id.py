from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.identity import service as identity_service
from exchange.identity.identity import Identity
from exchange.identity.models import Account
from exchange.policy import PolicyEngine


class AccountByIdLoader(DataLoader[uuid.UUID, Account | None]):
    """Accounts the identity may see (its own, or members of partners it may list)."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[Account | None]:
        async with self.reads.session() as session:
            found = await identity_service.accounts(
                self.identity, list(ids), session=session, policy=self.policy
            )
        return [found.get(i) for i in ids]
