"""What an identity can do with active allocations now, so that a page offers only the
actions the domain would take: releasing needs Cedar's ``allocation.release`` and no live
shipment carrying the allocation (the rule ``service.release`` enforces, with the same
``LET_GO`` states)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations import visible
from exchange.allocations.models import Allocation
from exchange.identity.identity import Identity
from exchange.partners.service import Party
from exchange.policy import PolicyEngine
from exchange.shipments.models import Shipment, ShipmentItem, ShipmentState

# A shipment in these states no longer carries its allocations (``service._end``).
LET_GO = (ShipmentState.CANCELLED.value, ShipmentState.LOST.value)


@dataclass(frozen=True, slots=True)
class Standing:
    """An active allocation, whether the identity may release it now, and the live
    shipment that carries it (which holds it back), if any."""

    allocation: Allocation
    releasable: bool
    shipment_id: uuid.UUID | None = None
    shipment_state: str | None = None


async def of(
    identity: Identity,
    allocations: Sequence[Allocation],
    parties: Mapping[uuid.UUID, tuple[Party, Party]],
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> list[Standing]:
    """The standing of each of ``allocations`` (active ones, already readable by the
    identity), in their order, given the donor and requester of each by allocation id (as
    ``visible.active_for_lines`` read them with the allocations): one query and one batch
    of Cedar decisions, whatever their number."""
    if not allocations:
        return []
    ids = [a.id for a in allocations]
    carried = await session.exec(
        select(ShipmentItem.allocation_id, Shipment.id, Shipment.state)
        .join(Shipment, col(Shipment.id) == col(ShipmentItem.shipment_id))
        .where(col(ShipmentItem.allocation_id).in_(ids), col(Shipment.state).not_in(LET_GO))
    )
    carriers = {row[0]: (row[1], row[2]) for row in carried.all()}
    allowed = policy.allowed_many(
        identity,
        "allocation.release",
        [visible.resource(*parties[a.id], allocation_id=str(a.id)) for a in allocations],
    )
    found = []
    for allocation, ok in zip(allocations, allowed, strict=True):
        shipment_id, state = carriers.get(allocation.id, (None, None))
        found.append(Standing(allocation, ok and shipment_id is None, shipment_id, state))
    return found
