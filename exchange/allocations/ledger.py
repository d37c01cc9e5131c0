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
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.db.table import table
from exchange.offers.models import OfferLine
from exchange.requests.models import RequestLine


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
