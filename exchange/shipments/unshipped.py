"""What a donor can pack: its active allocations that are in no live shipment yet, each
with its work, format and receiving partner, grouped by receiver and mode (a shipment goes
from one partner to one, physically or digitally)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations.models import Allocation, AllocationState
from exchange.catalogue.models import Work
from exchange.errors import NotFound
from exchange.identity.identity import SYSTEM, Identity
from exchange.offers.models import Format, Offer, OfferLine
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.shipments.models import Shipment, ShipmentItem, ShipmentMode
from exchange.shipments.transitions import LIVE

LIMIT = 500


@dataclass(frozen=True, slots=True)
class Packable:
    allocation: Allocation
    work: Work
    mode: ShipmentMode


@dataclass(frozen=True, slots=True)
class Group:
    receiver: Partner
    mode: ShipmentMode
    items: list[Packable]


async def groups(
    identity: Identity, donor_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> list[Group]:
    """The donor's unshipped active allocations (at most ``LIMIT``, oldest first), grouped.
    Raises ``NotFound`` unless the identity may read the donor's own work
    (``partner.summary.read``: its people, coordinators, admins)."""
    donor = await partners.get(SYSTEM, donor_id, session=session, policy=policy)
    if not policy.allowed(identity, "partner.summary.read", partners.resource(donor)):
        raise NotFound("partner", donor_id)
    live = (
        select(ShipmentItem.allocation_id)
        .join(Shipment, col(Shipment.id) == col(ShipmentItem.shipment_id))
        .where(col(Shipment.state).in_(LIVE))
    )
    rows = (
        await session.exec(
            select(Allocation, Work, OfferLine.format, ResourceRequest.partner_id)
            .join(OfferLine, col(OfferLine.id) == col(Allocation.offer_line_id))
            .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
            .join(Work, col(Work.id) == col(OfferLine.work_id))
            .join(RequestLine, col(RequestLine.id) == col(Allocation.request_line_id))
            .join(ResourceRequest, col(ResourceRequest.id) == col(RequestLine.request_id))
            .where(
                col(Offer.partner_id) == donor_id,
                col(Allocation.state) == AllocationState.ACTIVE.value,
                col(Allocation.id).not_in(live),
            )
            .order_by(col(Allocation.id))
            .limit(LIMIT)
        )
    ).all()
    receivers = await partners.get_many(
        SYSTEM, {row[3] for row in rows}, session=session, policy=policy
    )
    grouped: dict[tuple[uuid.UUID, ShipmentMode], list[Packable]] = {}
    for allocation, work, line_format, receiver_id in rows:
        mode = (
            ShipmentMode.DIGITAL if line_format == Format.DIGITAL.value else ShipmentMode.PHYSICAL
        )
        grouped.setdefault((receiver_id, mode), []).append(Packable(allocation, work, mode))
    return [
        Group(receivers[receiver_id], mode, items) for (receiver_id, mode), items in grouped.items()
    ]
