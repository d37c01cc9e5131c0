from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.identity import service as identity_service
from exchange.identity.identity import Identity
from exchange.identity.models import Membership
from exchange.policy import PolicyEngine


class MembershipsByPartnerIdLoader(DataLoader[uuid.UUID, list[Membership]]):
    """The memberships of each partner, empty where the identity may not see them."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[list[Membership]]:
        async with self.reads.session() as session:
            found = await identity_service.members(
                self.identity, list(ids), session=session, policy=self.policy
            )
        return [found.get(i, []) for i in ids]
