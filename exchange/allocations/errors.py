"""Allocation failures.

Conflict
 └── AllocationTravels   the allocation is in a shipment that was neither cancelled nor lost
"""

from __future__ import annotations

from exchange.errors import Conflict
from exchange.messages import N_, Ref

# What a shipment in each state still allows to free its allocations (shipment actions).
_WAYS = {
    "draft": ("cancel",),
    "packed": ("cancel",),
    "awaiting_approval": ("cancel",),
    "approved": ("cancel",),
    "dispatched": ("lose",),
    "in_transit": ("lose",),
}

_ADVICE: dict[tuple[str, ...], str] = {
    ("cancel",): N_("cancel the shipment first"),
    ("lose",): N_("mark the shipment lost first"),
}


class AllocationTravels(Conflict):
    """An allocation carried by a live shipment is frozen: releasing it would return its
    quantity to the offer line while the copies are on their way (a quantity-1 line could
    then ship twice). ``ways`` names the shipment actions that free it: ``cancel`` before
    dispatch, ``lose`` while it moves; none once delivered or received."""

    code = "allocation_travels"

    def __init__(
        self,
        allocation_id: object,
        shipment_id: object,
        shipment_state: str,
        title: tuple[str, str] = ("", ""),
    ) -> None:
        """``title``: (the allocated work's title, its language), to name the allocation."""
        ways: tuple[str, ...] = _WAYS.get(shipment_state, ())
        advice = _ADVICE.get(ways, N_("it has arrived and cannot be released"))
        name, lang = title
        super().__init__(
            N_(
                "{allocation} travels in {shipment} ({state}): {advice}",
                allocation=Ref("allocation", allocation_id, name=name, lang=lang),
                shipment=Ref("shipment", shipment_id),
                state=shipment_state,
                advice=advice,
            ),
            shipment_id,
        )
        self.allocation_id = str(allocation_id)
        self.shipment_id = str(shipment_id)
        self.shipment_state = shipment_state
        self.ways = ways
