"""A partner's work at a glance: how many offers, requests, allocations and shipments it
has in each state. What a librarian's dashboard opens with.

Counts include drafts, so only the partner's own people (any role), coordinators and
admins may read them (``partner.summary.read`` in ``policies/partners.cedar``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.allocations.models import Allocation
from exchange.db.table import table
from exchange.errors import NotFound
from exchange.identity.identity import SYSTEM, Identity
from exchange.offers.models import Offer, OfferLine
from exchange.partners import service as partners
from exchange.policy import PolicyEngine
from exchange.requests.models import ResourceRequest
from exchange.shipments.models import Shipment


@dataclass(frozen=True, slots=True)
class PartnerSummary:
    """Counts by state (state name → count; states with none are absent)."""

    partner_id: uuid.UUID
    offers: Mapping[str, int]
    requests: Mapping[str, int]
    allocations_given: Mapping[str, int]
    shipments_out: Mapping[str, int]
    shipments_in: Mapping[str, int]


async def _counts(
    session: AsyncSession, column: sa.ColumnElement[str], *where: sa.ColumnElement[bool]
) -> dict[str, int]:
    statement = select(column, sa.func.count()).where(*where).group_by(column)
    rows = (await session.exec(statement)).all()
    return {str(state): int(count) for state, count in rows}


async def summary(
    identity: Identity, partner_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> PartnerSummary:
    """Counts for one partner (six grouped queries). Raises ``NotFound`` when the partner
    does not exist or its counts are not the identity's to read (as if it did not exist)."""
    partner = await partners.get(SYSTEM, partner_id, session=session, policy=policy)
    if not policy.allowed(identity, "partner.summary.read", partners.resource(partner)):
        raise NotFound("partner", partner_id)
    now = clock.now()
    offer, line, request = table(Offer).c, table(OfferLine).c, table(ResourceRequest).c
    allocation, shipment = table(Allocation).c, table(Shipment).c
    offer_state = sa.case(
        ((offer.state == "open") & (offer.expires_at <= now), sa.literal("expired")),
        else_=offer.state,
    )
    offers = await _counts(session, offer_state, offer.partner_id == partner_id)
    requests = await _counts(session, request.state, request.partner_id == partner_id)
    given = (
        sa.select(line.id)
        .join(table(Offer), offer.id == line.offer_id)
        .where(offer.partner_id == partner_id)
    )
    allocations = await _counts(session, allocation.state, allocation.offer_line_id.in_(given))
    out = await _counts(session, shipment.state, shipment.sender_id == partner_id)
    incoming = await _counts(session, shipment.state, shipment.receiver_id == partner_id)
    return PartnerSummary(partner_id, offers, requests, allocations, out, incoming)
