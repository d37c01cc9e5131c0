"""Group commit of the audit chain on PostgreSQL: changes stage their events, a linker
chains them after commit.

A hash chain orders every write of the instance. Appending inside each change's own
transaction (``chain.append``) holds the chain's lock from the append until that
transaction commits, so every writer waits for every other writer's last round trips;
on a hot row the row lock is held across them as well. Instead, on PostgreSQL:

1. a unit of work inserts its records into ``audit_pending`` inside its own transaction
   (no shared lock: the change and its audit record commit or vanish together; an
   allocation's record is inserted by the very statement that makes it,
   ``UnitOfWork.record_early``);
2. right after the commit, ``GroupLinker`` runs a *link round* in a separate transaction:
   under the chain's advisory lock it reads the pending rows in id order (UUIDv7: the
   order they were recorded), computes their sequences and hashes after the chain's head,
   inserts them into ``audit_event`` and deletes them from ``audit_pending``;
3. concurrent units of work of one process share rounds: a caller arriving while a
   round runs waits for the next one, which links everything committed by then, so one
   lock round trip serves many changes (the group commit).

The chain stays exactly what ``chain.verify`` checks: sequences without gaps, each hash
over the previous hash and the event; events become visible in sequence order, since a
round commits before the lock passes on. A unit of work returns only after a round that
started after its commit has finished, so its events are in the chain by then (unless
that round failed: the rows stay pending and the next round links them, and a crash
between commit and link leaves them for the next writer likewise).

SQLite needs none of this: its writers hold the database's write lock anyway, so they
append in their own transaction (``chain.append``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import GENESIS, LOCK, AuditRecord, linked, recorded
from exchange.audit.models import AuditEvent, AuditPending
from exchange.db.table import table

log = logging.getLogger(__name__)

BATCH = 2000  # pending rows linked per statement pair

_PENDING = table(AuditPending)
_STAGE = sa.insert(_PENDING)
_COLUMNS = [column.name for column in _PENDING.c]
_EVENTS = table(AuditEvent)
_INSERT = sa.insert(_EVENTS)


def _take_oldest() -> sa.Select[Any]:
    """Delete the oldest pending rows (at most ``BATCH``) and return them, each with the
    chain's head (seq, hash; NULL when the chain is empty): one statement, so one round
    trip, read after the chain's lock was granted."""
    oldest = sa.select(_PENDING.c.id).order_by(_PENDING.c.id).limit(BATCH).scalar_subquery()
    taken = sa.delete(_PENDING).where(_PENDING.c.id.in_(oldest)).returning(*_PENDING.c).cte()
    last = sa.select(_EVENTS.c.seq, _EVENTS.c.hash).order_by(_EVENTS.c.seq.desc()).limit(1)
    head = last.subquery()
    return sa.select(taken, head.c.seq.label("head_seq"), head.c.hash.label("head_hash")).join(
        head, sa.true(), isouter=True
    )


_TAKE_OLDEST = _take_oldest()


async def stage(session: AsyncSession, records: Iterable[AuditRecord]) -> None:
    """Insert ``records`` into ``audit_pending`` in the caller's transaction."""
    at = clock.now()
    rows = [recorded(record, at) for record in records]
    if rows:
        await session.exec(_STAGE, params=rows)


async def link(connection: AsyncConnection) -> int:
    """Move every committed pending row into the chain, in the caller's transaction (which
    holds the chain's lock until it ends); how many were linked. On a connection, with
    Core statements: a round runs after every change, and no ORM session is needed."""
    await connection.execute(LOCK)
    total = 0
    while True:
        taken = (await connection.execute(_TAKE_OLDEST)).all()
        if not taken:
            return total
        seq, prev = taken[0].head_seq or 0, taken[0].head_hash or GENESIS
        rows = sorted(
            ({name: row._mapping[name] for name in _COLUMNS} for row in taken),
            key=lambda row: row["id"],
        )
        events = linked(seq, prev, rows)
        await connection.execute(_INSERT, events)
        total += len(rows)
        if len(rows) < BATCH:
            return total


async def waiting(session: AsyncSession) -> int:
    """How many committed records wait for a link round (0 on SQLite, which never stages;
    more only briefly, or after a crash between a commit and its round)."""
    count = select(sa.func.count()).select_from(_PENDING)
    return int((await session.exec(count)).one())


Round = Callable[[], Awaitable[None]]


class GroupLinker:
    """Link rounds shared by the concurrent units of work of one event loop.

    ``await linker()`` returns once a round that began after the call has ended: the
    first caller starts one at once; callers arriving during it wait for the next, which
    starts when it ends and serves them all."""

    def __init__(self, round_: Round) -> None:
        self._round = round_
        self._running: asyncio.Future[None] | None = None
        self._next: asyncio.Future[None] | None = None
        self._driver: asyncio.Task[None] | None = None

    async def __call__(self) -> None:
        loop = asyncio.get_running_loop()
        if self._running is None:
            self._running = waited = loop.create_future()
            self._driver = loop.create_task(self._drive())
        else:
            if self._next is None:
                self._next = loop.create_future()
            waited = self._next
        await asyncio.shield(waited)

    async def _drive(self) -> None:
        try:
            while self._running is not None:
                try:
                    await self._round()
                except Exception:  # the changes are committed; a later round links them
                    log.exception("linking the audit chain failed")
                self._running.set_result(None)
                self._running, self._next = self._next, None
        finally:  # cancelled (the loop is closing): release whoever still waits
            for waiting in (self._running, self._next):
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
            self._running = self._next = self._driver = None
