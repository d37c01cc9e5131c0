from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.catalogue.models import Work
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.seminars import service as seminars


class MaterialsBySeminarIdLoader(DataLoader[uuid.UUID, list[Work]]):
    """The material works of each seminar, in their order."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[list[Work]]:
        async with self.reads.session() as session:
            found = await seminars.materials_of(
                self.identity, list(ids), session=session, policy=self.policy
            )
        return [found.get(i, []) for i in ids]
