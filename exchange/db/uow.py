"""The unit of work: one transaction, its audit events, and hooks that run after commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit import linker
from exchange.audit.chain import AuditRecord, append, recorded

log = logging.getLogger(__name__)

CommitHook = Callable[[], Awaitable[None]]
# Checks the changes a unit of work recorded before it commits; raises to refuse them all
# (the offline-sync rule that replicas are read-only: ``exchange.sync.ownership``). The
# mapping: what the caller already read of the owners it judges by (see ``record_early``).
OfferOwners = Mapping[str, uuid.UUID | None]
WriteGuard = Callable[[AsyncSession, Sequence[AuditRecord], OfferOwners], Awaitable[None]]
# PostgreSQL 13+: whether this transaction wrote or locked a row (it then has an id).
_WROTE = select(sa.func.pg_current_xact_id_if_assigned().is_not(None))


class UnitOfWork:
    """Owns one session and its commit. Services add rows to ``session``, describe each
    state change with ``record`` and defer side effects (storage deletes, notifications)
    with ``on_commit``; the adapter that opened the unit of work commits it."""

    def __init__(
        self,
        session: AsyncSession,
        dialect: str,
        chain: linker.GroupLinker | None = None,
        guard: WriteGuard | None = None,
    ) -> None:
        self.session = session
        self.dialect = dialect
        self._chain = chain  # PostgreSQL: records are staged, then linked after commit
        self._staged = False
        self._guard = guard
        self._records: list[AuditRecord] = []
        self._hooks: list[CommitHook] = []
        self.committed = False

    @asynccontextmanager
    async def autocommitting(self) -> AsyncIterator[AsyncConnection | None]:
        """PostgreSQL: a connection of the session's engine on which each statement is a
        transaction of its own (``AUTOCOMMIT``), for a change one statement makes whole,
        audited by a record from ``record_early`` that this statement inserts; it is
        linked when this unit of work commits. None on SQLite (one writer at a time: no
        lock is held across a round trip there), and when this unit of work holds changes
        (recorded, pending in its session, or written by statements the session cannot
        show: its transaction has a transaction id) or a savepoint: they would commit
        apart, or the connection would wait for this unit's own row locks for ever.

        A transaction of the session that only read is ended first, so that its connection
        returns to the pool before this one is taken: one unit holds one connection at a
        time, and more units at once than the pool holds cannot starve each other."""
        engine = self.session.bind
        session = self.session
        held = self._records or session.new or session.dirty or session.deleted
        if (
            self._chain is None
            or not isinstance(engine, AsyncEngine)
            or held
            or session.in_nested_transaction()
        ):
            yield None
            return
        if session.in_transaction():
            if (await session.exec(_WROTE)).one():
                yield None
                return
            await session.commit()  # it only read: nothing commits but its end
        async with engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    def record(self, record: AuditRecord) -> None:
        self._records.append(record)

    def on_commit(self, hook: CommitHook) -> None:
        self._hooks.append(hook)

    async def record_early(
        self, record: AuditRecord, offer_owners: OfferOwners
    ) -> dict[str, Any] | None:
        """``record``, judged and written now rather than at commit: a service about to
        lock a contended row calls it first, so that only the commit follows that lock.
        The write guard (a replica is read-only) judges it here, from ``offer_owners``
        where they settle it (the owner of each offer line's offer, by line id as text,
        read with the service's own rows: ``exchange.sync.ownership.offer_owner``); the
        record must name rows that exist or that it describes by its snapshots (an
        allocation's offer line).

        On PostgreSQL the record is staged by the caller: the returned ``audit_pending``
        row (``exchange.audit.linker.stage``'s columns) must be inserted by the caller's
        next statement, in this transaction, exactly when it makes the change the record
        describes (``exchange.allocations.ledger.take``); it is linked after commit. On
        SQLite it is appended to the chain now (its writer holds the database lock
        anyway) and None is returned. Written inside whatever savepoint is open, it rolls
        back with the change it describes; records made by ``record`` stay for the
        commit, and are judged then."""
        if self._guard is not None:
            await self._guard(self.session, [record], offer_owners)
        if self._chain is None:
            await append(self.session, self.dialect, [record])
            return None
        self._staged = True
        return recorded(record, clock.now())

    async def commit(self) -> None:
        if self._records and self._guard is not None:
            await self._guard(self.session, self._records, {})
        if self._chain is not None and self._records:
            await linker.stage(self.session, self._records)
            self._staged = True
        elif self._records:
            await append(self.session, self.dialect, self._records)
        await self.session.commit()
        self.committed = True
        self._records.clear()
        if self._staged and self._chain is not None:
            self._staged = False
            await self._chain()  # the records are in the chain when this returns
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                await hook()
            except Exception:  # a failed side effect must not undo a committed change
                log.exception("on-commit hook failed")
