"""Which allocations an identity may read, as a query restriction and a final decision;
and the active allocations of many request lines at once (the matching board)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from exchange.allocations import sides as sides_of
from exchange.allocations.models import Allocation, AllocationState
from exchange.identity.identity import Identity, Role
from exchange.offers.models import Offer, OfferLine
from exchange.partners import service as partners
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.requests.models import RequestLine, ResourceRequest

# The most active allocations shown per request line (a line has a handful at most).
PER_LINE = 100


def resource(
    offer_partner: partners.Party, request_partner: partners.Party, allocation_id: str = "new"
) -> Resource:
    giver, taker = partners.resource(offer_partner), partners.resource(request_partner)
    related = {e["uid"]["id"]: e for e in (*giver.entities(), *taker.entities())}
    return Resource(
        "Allocation",
        allocation_id,
        {"offerPartner": giver.ref, "requestPartner": taker.ref},
        related=tuple(related.values()),
        parents=(giver.uid, taker.uid),
    )


def restricted(
    identity: Identity, statement: SelectOfScalar[Allocation]
) -> SelectOfScalar[Allocation] | None:
    """``statement`` narrowed to the allocations of the identity's partners (librarians);
    unchanged for admins and coordinators; ``None`` when the identity sees none. Raises
    ``PermissionDenied`` when it may not list allocations at all."""
    if identity.has_role(Role.ADMIN) or identity.has_role(Role.COORDINATOR):
        return statement
    own = list(identity.partners_with(Role.LIBRARIAN))
    if not own:
        return None
    offered = (
        select(OfferLine.id)
        .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
        .where(col(Offer.partner_id).in_(own))
    )
    requested = (
        select(RequestLine.id)
        .join(ResourceRequest, col(ResourceRequest.id) == col(RequestLine.request_id))
        .where(col(ResourceRequest.partner_id).in_(own))
    )
    return statement.where(
        col(Allocation.offer_line_id).in_(offered) | col(Allocation.request_line_id).in_(requested)
    )


async def readable(
    identity: Identity, found: Sequence[Allocation], *, session: AsyncSession, policy: PolicyEngine
) -> list[Allocation]:
    """Those of ``found`` the policy lets the identity read (``allocation.read``)."""
    sides = await sides_of.parties(session, [a.id for a in found])
    decisions = policy.allowed_many(
        identity,
        "allocation.read",
        [resource(*sides[a.id], allocation_id=str(a.id)) for a in found],
    )
    return [a for a, ok in zip(found, decisions, strict=True) if ok]


@dataclass(frozen=True, slots=True)
class Active:
    """The active allocations of request lines, by request line id (oldest first), and the
    donor and requester of each shown, by allocation id (for the decisions taken on them
    next, such as ``standing.of``)."""

    by_line: dict[uuid.UUID, list[Allocation]]
    parties: dict[uuid.UUID, tuple[partners.Party, partners.Party]] = field(default_factory=dict)

    def shown(self) -> list[Allocation]:
        """Every allocation shown, line after line."""
        return [a for found in self.by_line.values() for a in found]


async def active_for_lines(
    identity: Identity,
    request_line_ids: Sequence[uuid.UUID],
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Active:
    """The active allocations of each request line the identity may read, oldest first
    (at most ``PER_LINE`` a line), with their donors and requesters, in one query whatever
    the number of lines (the allocations with both their partners, as ``readable`` decides
    on them). Raises ``PermissionDenied`` when the identity may not list allocations."""
    result = Active({i: [] for i in request_line_ids})
    if not request_line_ids:
        return result
    policy.require(identity, "allocation.list", PLATFORM)
    statement: Any = restricted(
        identity,
        sides_of.with_parties().where(
            col(Allocation.request_line_id).in_(request_line_ids),
            Allocation.state == AllocationState.ACTIVE.value,
        ),
    )
    if statement is None:
        return result
    rows = (await session.exec(statement.order_by(col(Allocation.id)))).all()
    decisions = policy.allowed_many(
        identity,
        "allocation.read",
        [resource(*sides_of.parties_of(row), allocation_id=str(row[0].id)) for row in rows],
    )
    for row, ok in zip(rows, decisions, strict=True):
        shown = result.by_line[row[0].request_line_id]
        if ok and len(shown) < PER_LINE:
            shown.append(row[0])
            result.parties[row[0].id] = sides_of.parties_of(row)
    return result
