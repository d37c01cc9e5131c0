from __future__ import annotations

from collections.abc import Hashable, Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.shipments import service as shipments
from exchange.shipments.models import Shipment
from exchange.shipments.workflow import Action


def _version(shipment: Shipment) -> Hashable:
    # a shipment moved by a mutation of the same request is asked about again
    return (shipment.id, shipment.state, shipment.updated_at)


class AvailableActionsByShipmentLoader(DataLoader[Shipment, list[Action]]):
    """The actions open to the identity on shipments the resolver already read (and so
    was allowed to see): one query for every shipment's partners and one batch of Cedar
    decisions per permission."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load, cache_key_fn=_version)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, rows: Sequence[Shipment]) -> list[list[Action]]:
        async with self.reads.session() as session:
            return await shipments.available_actions_many(
                self.identity, rows, session=session, policy=self.policy
            )
