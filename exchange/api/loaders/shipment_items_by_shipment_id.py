from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.shipments import service as shipments
from exchange.shipments.models import ShipmentItem


class ShipmentItemsByShipmentIdLoader(DataLoader[uuid.UUID, list[ShipmentItem]]):
    """Items of shipments the resolver already read (and so was allowed to see)."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[list[ShipmentItem]]:
        async with self.reads.session() as session:
            found = await shipments.items_of(ids, session=session)
        return [found[i] for i in ids]
