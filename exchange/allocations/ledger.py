"""The allocated counters of offer and request lines, moved only here.

The invariant: the active allocations of an offer line never sum past its quantity, and a
request line is never allocated more than it asked for — whatever the concurrency, on
SQLite and PostgreSQL, with any number of processes. It is enforced in the database:

* each side's ``allocated`` counter moves only by a conditional ``UPDATE ... SET
  allocated = allocated + :q WHERE id = :id AND allocated + :q <= quantity``, which
  PostgreSQL evaluates under the row lock (a concurrent updater re-checks the condition
  against the committed row) and SQLite runs one writer at a time (``BEGIN IMMEDIATE``);
* CHECK constraints (``allocated <= quantity``) back it up.

Locks are always taken offer line first, then request line, so allocators never deadlock.

An allocation moves both counters and inserts its row and its audit record (``take``). On
PostgreSQL that is one statement (data-modifying CTEs), so a hot offer line stays locked
for that statement and the commit only, not for four client round trips; SQLite, one
writer at a time, runs three statements in turn (its audit record was appended before).

On PostgreSQL an allocation that cannot change its request's state (the request line is
already allocated and stays short of full) is made by ``take_at_once``: the same statement,
run as a transaction of its own (``AUTOCOMMIT``), that also takes the offer's lock and
re-checks the states the caller judged. It writes everything or nothing: its allocation
row takes the request line's id from the request line's move, so when either line
refuses, that row's NOT NULL constraint aborts the whole statement. The hot line is then
locked from the statement's update to its commit inside the server, never while a reply
crosses to the client and the client's event loop gets round to sending COMMIT (measured
at 2-3.6 ms per allocation with 64 clients; ``bench/allocations.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations.models import Allocation
from exchange.audit.models import AuditPending
from exchange.db.table import table
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.requests.models import RequestLine, RequestState, ResourceRequest


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


async def move(
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


def _inserted(model: type[Allocation] | type[AuditPending], prefix: str, when: Any) -> Any:
    """``INSERT INTO <model> SELECT :<prefix><column>, ... WHERE <when>`` as a CTE: its
    values are parameters named after its columns (``prefix`` first: the executor would
    read a parameter named like a column as a SET value of the UPDATEs)."""
    target = table(model)
    columns = list(target.c)
    values = sa.select(*(sa.bindparam(f"{prefix}{c.name}", type_=c.type) for c in columns))
    inserted = sa.insert(target).from_select(columns, values.where(when))
    return inserted.returning(target.c[columns[0].name]).cte(f"{target.name}_made")


def _taker() -> sa.Select[Any]:
    """PostgreSQL: move the offer line, then (only if it moved) the request line, then
    (only if both moved) insert the allocation and its staged audit record; one row
    (offer allocated, quantity, request allocated, quantity, rows inserted), the request's
    pair NULL when it refused, no row when the offer line refused."""
    offers, requests = table(OfferLine), table(RequestLine)
    quantity = sa.bindparam("new_quantity", type_=sa.Integer)
    offer = (
        sa.update(offers)
        .where(offers.c.id == sa.bindparam("new_offer_line_id", type_=sa.Uuid))
        .where(offers.c.allocated + quantity <= offers.c.quantity)
        .values(allocated=offers.c.allocated + quantity)
        .returning(offers.c.allocated, offers.c.quantity)
        .cte("offer_moved")
    )
    request = (
        sa.update(requests)
        .where(requests.c.id == sa.bindparam("new_request_line_id", type_=sa.Uuid))
        .where(requests.c.allocated + quantity <= requests.c.quantity)
        .where(sa.exists(sa.select(offer.c.allocated)))
        .values(allocated=requests.c.allocated + quantity)
        .returning(requests.c.allocated, requests.c.quantity)
        .cte("request_moved")
    )
    both_moved = sa.exists(sa.select(request.c.allocated))
    made = [
        _inserted(Allocation, "new_", both_moved),
        _inserted(AuditPending, "audit_", both_moved),
    ]
    return sa.select(
        offer.c.allocated,
        offer.c.quantity,
        request.c.allocated,
        request.c.quantity,
        *(sa.select(sa.func.count()).select_from(cte).scalar_subquery() for cte in made),
    ).select_from(offer.outerjoin(request, sa.true()))


def _taker_at_once() -> sa.Select[Any]:
    """PostgreSQL, one statement that is its own transaction: lock the offer FOR SHARE while it
    is open and unexpired, and the request FOR KEY SHARE while it is open or partially
    filled (as ``sides.read`` does for a transaction), move the offer line, then the
    request line while it stays within 1 <= allocated < quantity (so its request's state
    cannot change: ``crossed``), insert the allocation with the request line id the move
    returned, and its staged audit record. One row (offer allocated, quantity, request
    allocated, quantity); a refusal aborts the statement (``IntegrityError``, NOT NULL)."""
    offers, offer_lines, request_lines = table(Offer), table(OfferLine), table(RequestLine)
    requests_ = table(ResourceRequest)
    quantity = sa.bindparam("new_quantity", type_=sa.Integer)
    offer_open = (
        sa.select(offers.c.id)
        .where(offers.c.id == sa.bindparam("open_offer_id", type_=sa.Uuid))
        .where(offers.c.state == OfferState.OPEN.value)
        .where(offers.c.expires_at > sa.bindparam("open_at", type_=offers.c.expires_at.type))
        .with_for_update(read=True)
        .cte("offer_open")
    )
    request_open = (
        sa.select(requests_.c.id)
        .where(requests_.c.id == sa.bindparam("open_request_id", type_=sa.Uuid))
        .where(requests_.c.state.in_(_OPEN_REQUESTS))
        .with_for_update(key_share=True, read=True)
        .cte("request_open")
    )
    offer = (
        sa.update(offer_lines)
        .where(offer_lines.c.id == sa.bindparam("new_offer_line_id", type_=sa.Uuid))
        .where(offer_lines.c.offer_id == sa.select(offer_open.c.id).scalar_subquery())
        # both parents locked before either line, as ``sides.read`` does: a cancel holding
        # the request makes this wait before it holds a line the cancel needs
        .where(sa.exists(sa.select(request_open.c.id)))
        .where(offer_lines.c.allocated + quantity <= offer_lines.c.quantity)
        .values(allocated=offer_lines.c.allocated + quantity)
        .returning(offer_lines.c.allocated, offer_lines.c.quantity)
        .cte("offer_moved")
    )
    request = (
        sa.update(request_lines)
        .where(request_lines.c.id == sa.bindparam("new_request_line_id", type_=sa.Uuid))
        .where(request_lines.c.allocated >= 1)
        .where(request_lines.c.allocated + quantity < request_lines.c.quantity)
        .where(request_lines.c.request_id == sa.select(request_open.c.id).scalar_subquery())
        .where(sa.exists(sa.select(offer.c.allocated)))
        .values(allocated=request_lines.c.allocated + quantity)
        .returning(request_lines.c.id, request_lines.c.allocated, request_lines.c.quantity)
        .cte("request_moved")
    )
    allocations = table(Allocation)
    columns = list(allocations.c)
    moved_line = sa.select(request.c.id).scalar_subquery()
    values = sa.select(
        *(
            moved_line
            if c.name == "request_line_id"
            else sa.bindparam(f"new_{c.name}", type_=c.type)
            for c in columns
        )
    )
    made = (
        sa.insert(allocations)
        .from_select(columns, values)
        .returning(allocations.c.id)
        .cte("allocation_made")
    )
    audited = _inserted(AuditPending, "audit_", sa.exists(sa.select(made.c.id)))
    return sa.select(
        offer.c.allocated,
        offer.c.quantity,
        request.c.allocated,
        request.c.quantity,
        sa.select(sa.func.count()).select_from(audited).scalar_subquery(),
    ).select_from(offer.join(request, sa.true()))


_OPEN_REQUESTS = (RequestState.OPEN.value, RequestState.PARTIALLY_FILLED.value)
# PostgreSQL's SQLSTATE for a deadlock it broke by aborting this statement: a cancel
# ending several allocations of one request line holds it while waiting for the next
# allocation's offer line (``service.end_all_for_request``), the opposite order.
_DEADLOCK_DETECTED = "40P01"
_TAKER = _taker()
_TAKER_AT_ONCE = _taker_at_once()
_INSERT = sa.insert(table(Allocation))


def at_once(allocated: int, quantity: int, delta: int) -> bool:
    """Whether an allocation of ``delta`` to a request line at (``allocated``,
    ``quantity``) can be made by ``take_at_once``: it cannot change the request's state."""
    return allocated >= 1 and allocated + delta < quantity


async def take_at_once(
    connection: AsyncConnection,
    allocation: dict[str, Any],
    staged: dict[str, Any],
    offer_id: uuid.UUID,
    request_id: uuid.UUID,
) -> bool:
    """PostgreSQL, on an ``AUTOCOMMIT`` connection: allocate as ``take`` does, with its
    ``staged`` audit record, in one statement that commits by itself, if the offer
    (``offer_id``) is still open, the request (``request_id``, the request line's) still
    open or partially filled, and the request line stays ``at_once``. True when it
    committed; False when it wrote nothing (a line refused, a state changed since it was
    read, or PostgreSQL aborted it to break a deadlock): the caller then allocates in a
    transaction, which says why."""
    params = {f"new_{name}": value for name, value in allocation.items()}
    params.update((f"audit_{name}", value) for name, value in staged.items())
    # named unlike any column (see ``_inserted``)
    params.update(
        open_offer_id=offer_id, open_request_id=request_id, open_at=allocation["created_at"]
    )
    try:
        row = (await connection.execute(_TAKER_AT_ONCE, params)).one()
    except sa.exc.IntegrityError:
        return False
    except sa.exc.DBAPIError as error:  # its own transaction: aborted, it wrote nothing
        if getattr(error.orig, "sqlstate", None) == _DEADLOCK_DETECTED:
            return False
        raise
    return bool(row[4] == 1)


Moved = tuple[int, int]


async def take(
    session: AsyncSession, allocation: dict[str, Any], staged: dict[str, Any] | None
) -> tuple[Moved | None, Moved | None]:
    """Allocate: add ``allocation["quantity"]`` to its offer line's counter, then to its
    request line's, then insert the ``allocation`` row (its column values) — each only if
    the one before succeeded — with, on PostgreSQL, the ``staged`` audit record that
    describes it (its ``audit_pending`` row, ``UnitOfWork.record_early``; None on
    SQLite, where the record is already in the chain). The new (allocated, quantity) of
    each line, None for the one that refused (and for the request line when the offer
    line did); on a refusal nothing was written and the caller rolls back."""
    connection = await session.connection()  # Core: none of the ORM's execution work
    if staged is not None:
        params = {f"new_{name}": value for name, value in allocation.items()}
        params.update((f"audit_{name}", value) for name, value in staged.items())
        row = (await connection.execute(_TAKER, params)).first()
        if row is None:
            return None, None
        if row[2] is None:
            return (int(row[0]), int(row[1])), None
        return (int(row[0]), int(row[1])), (int(row[2]), int(row[3]))
    quantity = allocation["quantity"]
    offer = await move(session, OfferLine, allocation["offer_line_id"], quantity)
    if offer is None:
        return None, None
    request = await move(session, RequestLine, allocation["request_line_id"], quantity)
    if request is None:
        return offer, None
    await connection.execute(_INSERT, allocation)
    return offer, request


def crossed(moved: tuple[int, int], delta: int) -> bool:
    """Whether a request line's move can change its request's state: the line started or
    stopped being allocated at all, or became or stopped being full."""
    allocated, quantity = moved
    before = allocated - delta
    return (before == 0) != (allocated == 0) or (before == quantity) != (allocated == quantity)


async def available(
    session: AsyncSession, table: type[OfferLine] | type[RequestLine], line_id: uuid.UUID
) -> int:
    row = (
        await session.exec(select(table.quantity, table.allocated).where(table.id == line_id))
    ).one()
    return int(row[0] - row[1])
