"""Allocations: the promise of a quantity of an offer line to a request line.

The invariant: the active allocations of an offer line never sum past its quantity, and a
request line is never allocated more than it asked for — whatever the concurrency, on
SQLite and PostgreSQL, with any number of processes. It is enforced in the database:

* each side's ``allocated`` counter moves only by a conditional ``UPDATE ... SET
  allocated = allocated + :q WHERE id = :id AND allocated + :q <= quantity``, which
  PostgreSQL evaluates under the row lock (a concurrent updater re-checks the condition
  against the committed row) and SQLite runs one writer at a time (``BEGIN IMMEDIATE``);
* CHECK constraints (``allocated <= quantity``) back it up.

Locks are always taken offer line first, then request line, so allocators never deadlock.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit.chain import AuditRecord
from exchange.db.keyset import fetch_page
from exchange.db.table import table
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, InsufficientQuantity, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.ids import uuid7
from exchange.offers.models import Offer, OfferLine, OfferState, effective_state
from exchange.pagination import Page, PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, RequestState, ResourceRequest


@dataclass(frozen=True, slots=True)
class AllocationFilter:
    offer_line_id: uuid.UUID | None = None
    request_line_id: uuid.UUID | None = None
    state: AllocationState | None = None


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
    )


@dataclass(frozen=True, slots=True)
class _Party:
    id: uuid.UUID
    status: str
    public: bool
    tags: builtins.list[str]


@dataclass(frozen=True, slots=True)
class _Sides:
    """What an allocation between two lines checks: columns, not ORM rows (this is the
    hottest read of the hottest write; six hydrated entities cost a tenth of its CPU)."""

    offer_id: uuid.UUID
    offer_state: OfferState
    offer_work_id: uuid.UUID
    request_id: uuid.UUID
    request_state: str
    request_work_id: uuid.UUID | None
    donor: _Party
    requester: _Party


def _sides_statement() -> sa.Select[Any]:
    offer_lines, offers, request_lines = table(OfferLine), table(Offer), table(RequestLine)
    requests_, donors = table(ResourceRequest), table(Partner).alias("donor")
    requesters = table(Partner).alias("requester")
    return (
        sa.select(
            offers.c.id,
            offers.c.state,
            offers.c.expires_at,
            offer_lines.c.work_id,
            requests_.c.id,
            requests_.c.state,
            request_lines.c.work_id,
            *(
                p.c[name]
                for p in (donors, requesters)
                for name in ("id", "status", "public", "tags")
            ),
        )
        .select_from(offer_lines)
        .join(offers, offers.c.id == offer_lines.c.offer_id)
        .join(donors, donors.c.id == offers.c.partner_id)
        .join(request_lines, request_lines.c.id == sa.bindparam("request_line_id"))
        .join(requests_, requests_.c.id == request_lines.c.request_id)
        .join(requesters, requesters.c.id == requests_.c.partner_id)
        .where(offer_lines.c.id == sa.bindparam("offer_line_id"))
        .with_for_update(read=True, of=offers)
    )


# Built once: statement construction and cache-key generation cost more CPU than the
# round trips on this path (measured), and allocation is the hottest write there is.
_SIDES = _sides_statement()


def _mover(model: type[OfferLine] | type[RequestLine]) -> sa.Update:
    """``allocated += delta`` if it stays within 0..quantity; returns the new counters (no
    row when refused). A Core statement on the table: no ORM bulk-update machinery."""
    lines = table(model)
    allocated, delta = lines.c.allocated, sa.bindparam("delta", type_=sa.Integer)
    return (
        sa.update(lines)
        .where(lines.c.id == sa.bindparam("line_id"))
        .where(allocated + delta <= lines.c.quantity)
        .where(allocated + delta >= 0)
        .values(allocated=allocated + delta)
        .returning(lines.c.allocated, lines.c.quantity)
    )


_MOVERS = {OfferLine: _mover(OfferLine), RequestLine: _mover(RequestLine)}
_INSERT = sa.insert(table(Allocation))


async def _sides(
    session: AsyncSession, offer_line_id: uuid.UUID, request_line_id: uuid.UUID
) -> _Sides:
    """Both lines, their offer and request, and both partners, in one query. FOR SHARE OF
    the offer keeps its state (open, not withdrawn) steady until we commit."""
    params = {"offer_line_id": offer_line_id, "request_line_id": request_line_id}
    row = (await session.exec(_SIDES, params=params)).first()  # type: ignore[call-overload]
    if row is None:
        if await session.get(OfferLine, offer_line_id) is None:
            raise NotFound("offer line", offer_line_id)
        raise NotFound("request line", request_line_id)
    offer_id, offer_state, expires_at, offer_work, request_id, request_state, request_work = row[:7]
    return _Sides(
        offer_id,
        effective_state(offer_state, expires_at, clock.now()),
        offer_work,
        request_id,
        request_state,
        request_work,
        _Party(*row[7:11]),
        _Party(*row[11:15]),
    )


async def _move(
    session: AsyncSession,
    model: type[OfferLine] | type[RequestLine],
    line_id: uuid.UUID,
    delta: int,
) -> tuple[int, int] | None:
    """Add ``delta`` to a line's allocated counter if it stays within 0..quantity: the new
    (allocated, quantity), or None when refused."""
    params = {"line_id": line_id, "delta": delta}
    row = (await session.exec(_MOVERS[model], params=params)).first()
    return None if row is None else (int(row[0]), int(row[1]))


def _crossed(moved: tuple[int, int], delta: int) -> bool:
    """Whether a request line's move can change its request's state: the line started or
    stopped being allocated at all, or became or stopped being full."""
    allocated, quantity = moved
    before = allocated - delta
    return (before == 0) != (allocated == 0) or (before == quantity) != (allocated == quantity)


async def _available(
    session: AsyncSession, table: type[OfferLine] | type[RequestLine], line_id: uuid.UUID
) -> int:
    row = (
        await session.exec(select(table.quantity, table.allocated).where(table.id == line_id))
    ).one()
    return int(row[0] - row[1])


async def allocate(
    identity: Identity,
    offer_line_id: uuid.UUID,
    request_line_id: uuid.UUID,
    quantity: int,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Allocation:
    """Promise ``quantity`` of an offer line to a request line (coordinators; or a
    librarian of the requesting partner claiming for its own request)."""
    if not 1 <= quantity <= 100_000:
        raise ValidationFailed.single("quantity", "out_of_range", "between 1 and 100000")
    session = uow.session
    sides = await _sides(session, offer_line_id, request_line_id)
    policy.require(identity, "allocation.create", resource(sides.donor, sides.requester))
    now = clock.now()
    if sides.offer_state is not OfferState.OPEN:
        raise Conflict(f"the offer is {sides.offer_state.value}", sides.offer_id)
    if sides.request_state not in (RequestState.OPEN.value, RequestState.PARTIALLY_FILLED.value):
        raise Conflict(f"the request is {sides.request_state}", sides.request_id)
    if sides.donor.id == sides.requester.id:
        raise Conflict("a partner cannot allocate its own offer to itself", sides.offer_id)
    if sides.request_work_id is not None and sides.request_work_id != sides.offer_work_id:
        raise ValidationFailed.single(
            "offerLineId", "work_mismatch", "the request line asks for another work"
        )
    if await _move(session, OfferLine, offer_line_id, quantity) is None:
        raise InsufficientQuantity(
            "offer", offer_line_id, await _available(session, OfferLine, offer_line_id)
        )
    moved = await _move(session, RequestLine, request_line_id, quantity)
    if moved is None:
        raise InsufficientQuantity(
            "request", request_line_id, await _available(session, RequestLine, request_line_id)
        )
    allocation = Allocation(
        id=uuid7(),
        offer_line_id=offer_line_id,
        request_line_id=request_line_id,
        quantity=quantity,
        state=AllocationState.ACTIVE.value,
        created_by=identity.label,
        created_at=now,
    )
    await session.exec(_INSERT, params=allocation.model_dump())
    if _crossed(moved, quantity):
        await requests.refresh_state(session, sides.request_id)
    uow.record(
        AuditRecord(
            identity.label,
            "allocation.create",
            "allocation",
            str(allocation.id),
            None,
            allocation.snapshot(),
        )
    )
    return allocation


async def _end(
    identity: Identity, allocation: Allocation, state: AllocationState, *, uow: UnitOfWork
) -> bool:
    """End an active allocation and return its quantity to both lines; whether the request
    line crossed a boundary that can change its request's state."""
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
    returned = await _move(uow.session, OfferLine, allocation.offer_line_id, -allocation.quantity)
    taken_back = await _move(
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
    return _crossed(taken_back, -allocation.quantity)


async def release(
    identity: Identity, allocation_id: uuid.UUID, *, uow: UnitOfWork, policy: PolicyEngine
) -> Allocation:
    """End an active allocation; its quantity returns to the offer line and the request line."""
    allocation = await uow.session.get(Allocation, allocation_id)
    if allocation is None:
        raise NotFound("allocation", allocation_id)
    sides = await _sides(uow.session, allocation.offer_line_id, allocation.request_line_id)
    policy.require(
        identity, "allocation.release", resource(sides.donor, sides.requester, str(allocation.id))
    )
    if await _end(identity, allocation, AllocationState.RELEASED, uow=uow):
        await requests.refresh_state(uow.session, sides.request_id)
    return allocation


async def end_all_for_request(identity: Identity, request_id: uuid.UUID, *, uow: UnitOfWork) -> int:
    """Cancel every active allocation of a request (the request service authorized it)."""
    statement = (
        select(Allocation)
        .join(RequestLine, col(RequestLine.id) == col(Allocation.request_line_id))
        .where(
            RequestLine.request_id == request_id, Allocation.state == AllocationState.ACTIVE.value
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
    policy.require(identity, "allocation.list", PLATFORM)
    allocation = await session.get(Allocation, allocation_id)
    if allocation is None:
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
    policy.require(identity, "allocation.list", PLATFORM)
    statement = select(Allocation)
    if filters.offer_line_id:
        statement = statement.where(Allocation.offer_line_id == filters.offer_line_id)
    if filters.request_line_id:
        statement = statement.where(Allocation.request_line_id == filters.request_line_id)
    if filters.state:
        statement = statement.where(Allocation.state == filters.state.value)
    return await fetch_page(session, statement, col(Allocation.id), page)
