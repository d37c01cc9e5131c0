"""Allocations: the promise of a quantity of an offer line to a request line.

The invariant (never over-allocated, whatever the concurrency) is kept by the counters in
``ledger``; an allocation row records each promise, and every change is audited.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.allocations import ledger, making, names, visible
from exchange.allocations import sides as sides_of
from exchange.allocations.errors import AllocationTravels
from exchange.allocations.models import Allocation, AllocationState
from exchange.allocations.standing import LET_GO
from exchange.audit.chain import AuditRecord
from exchange.db.keyset import fetch_page
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound
from exchange.identity.identity import Identity
from exchange.offers.models import OfferLine
from exchange.pagination import Page, PageRequest
from exchange.policy import PLATFORM, PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine
from exchange.shipments.models import Shipment, ShipmentItem, ShipmentState

# A shipment in these states no longer carries its allocations; one received delivered them.
_LET_GO = list(LET_GO)
_ARRIVED = [ShipmentState.RECEIVED.value, ShipmentState.RECEIVED_WITH_DISCREPANCY.value]
_CARRIER = (
    select(Shipment.id, Shipment.state)
    .join(ShipmentItem, col(ShipmentItem.shipment_id) == col(Shipment.id))
    .where(
        col(ShipmentItem.allocation_id) == sa.bindparam("allocation_id"),
        col(Shipment.state).not_in(_LET_GO),
    )
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class AllocationFilter:
    offer_line_id: uuid.UUID | None = None
    request_line_id: uuid.UUID | None = None
    state: AllocationState | None = None


resource = visible.resource
allocate = making.allocate


async def _end(
    identity: Identity, allocation: Allocation, state: AllocationState, *, uow: UnitOfWork
) -> bool:
    """End an active allocation and return its quantity to both lines; whether the request
    line crossed a boundary that can change its request's state. ``AllocationTravels`` when
    a shipment that was neither cancelled nor lost carries it: every way an allocation ends
    passes here, so none can free the quantity of copies on their way.

    The allocation row is updated (so locked) before the shipments are looked at: a
    shipment being created with it either committed first, and is seen, or waits on the
    row (``transitions.create`` reads allocations FOR UPDATE) and finds it ended."""
    ended = await uow.session.exec(
        sa.update(Allocation)
        .where(
            col(Allocation.id) == allocation.id,
            col(Allocation.state) == AllocationState.ACTIVE.value,
        )
        .values(state=state.value, ended_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        raise Conflict("the allocation is no longer active", allocation.id)
    params = {"allocation_id": allocation.id}
    carrier = (await uow.session.exec(_CARRIER, params=params)).first()
    if carrier is not None:
        title = (await names.titles(uow.session, [allocation.id])).get(allocation.id, ("", ""))
        raise AllocationTravels(allocation.id, carrier[0], carrier[1], title)
    returned = await ledger.move(
        uow.session, OfferLine, allocation.offer_line_id, -allocation.quantity
    )
    taken_back = await ledger.move(
        uow.session, RequestLine, allocation.request_line_id, -allocation.quantity
    )
    if returned is None or taken_back is None:  # impossible while only this module moves them
        raise RuntimeError("allocated counters out of step with active allocations")
    before = allocation.snapshot()
    await uow.session.refresh(allocation)
    uow.record(
        AuditRecord(
            identity.label,
            f"allocation.{state.value}",
            "allocation",
            str(allocation.id),
            before,
            allocation.snapshot(),
        )
    )
    return ledger.crossed(taken_back, -allocation.quantity)


async def release(
    identity: Identity, allocation_id: uuid.UUID, *, uow: UnitOfWork, policy: PolicyEngine
) -> Allocation:
    """End an active allocation; its quantity returns to the offer line and the request line."""
    allocation = await uow.session.get(Allocation, allocation_id)
    if allocation is None:
        raise NotFound("allocation", allocation_id)
    sides = await sides_of.read(uow.session, allocation.offer_line_id, allocation.request_line_id)
    policy.require(
        identity, "allocation.release", resource(sides.donor, sides.requester, str(allocation.id))
    )
    if await _end(identity, allocation, AllocationState.RELEASED, uow=uow):
        await requests.refresh_state(uow.session, sides.request_id)
    return allocation


async def end_all_for_request(identity: Identity, request_id: uuid.UUID, *, uow: UnitOfWork) -> int:
    """Cancel every active allocation of a request (the request service authorized it).
    Those a received shipment delivered stay as they are (the copies arrived);
    ``AllocationTravels`` when a shipment still on its way carries one."""
    arrived = (
        select(ShipmentItem.allocation_id)
        .join(Shipment, col(Shipment.id) == col(ShipmentItem.shipment_id))
        .where(col(Shipment.state).in_(_ARRIVED))
    )
    statement = (
        select(Allocation)
        .join(RequestLine, col(RequestLine.id) == col(Allocation.request_line_id))
        .where(
            RequestLine.request_id == request_id,
            Allocation.state == AllocationState.ACTIVE.value,
            col(Allocation.id).not_in(arrived),
        )
        .order_by(col(Allocation.id))
    )
    active = builtins.list((await uow.session.exec(statement)).all())
    for allocation in active:
        await _end(identity, allocation, AllocationState.CANCELLED, uow=uow)
    return len(active)


async def get(
    identity: Identity, allocation_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Allocation:
    """The allocation, or NotFound when it does not exist or the identity may not read it
    ("allocation.read": librarians of either party, coordinators, admins)."""
    allocation = await session.get(Allocation, allocation_id)
    if allocation is None:
        raise NotFound("allocation", allocation_id)
    donor, requester = (await sides_of.parties(session, [allocation.id]))[allocation.id]
    if not policy.allowed(
        identity, "allocation.read", resource(donor, requester, str(allocation.id))
    ):
        raise NotFound("allocation", allocation_id)
    return allocation


async def list(
    identity: Identity,
    filters: AllocationFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Allocation]:
    """The allocations the identity may read (see ``get``), oldest first."""
    policy.require(identity, "allocation.list", PLATFORM)
    statement = visible.restricted(identity, select(Allocation))
    if statement is None:
        return Page([], False)
    if filters.offer_line_id:
        statement = statement.where(Allocation.offer_line_id == filters.offer_line_id)
    if filters.request_line_id:
        statement = statement.where(Allocation.request_line_id == filters.request_line_id)
    if filters.state:
        statement = statement.where(Allocation.state == filters.state.value)
    found = await fetch_page(session, statement, col(Allocation.id), page)
    shown = await visible.readable(identity, found.items, session=session, policy=policy)
    return Page(shown, found.has_next)
