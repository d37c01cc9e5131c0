"""Engines and sessions.

SQLite (the embedded default) gets two engines on the same file: writers start their
transactions with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy
timeout instead of failing on lock upgrade, while readers use plain deferred
transactions and run beside the writer thanks to WAL. PostgreSQL gets one pooled engine.

Importing this module registers every table (``exchange.db.metadata``): the CLI imports a
command's module only when it runs, and a query touching ``download`` failed with
``NoReferencedTableError`` ('account' unknown) when no imported module had loaded the
identity models. Whoever opens a ``Database`` has the whole metadata.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.audit import linker
from exchange.db import files
from exchange.db import metadata as _metadata  # noqa: F401  (every table, see above)
from exchange.db.reachability import unreachable
from exchange.db.uow import UnitOfWork, WriteGuard
from exchange.errors import Unavailable

BUSY_TIMEOUT_MS = 30_000
# A pooled PostgreSQL connection idle longer than this is pinged before use (see _ping_idle)
IDLE_PING_S = 5.0
POOL_SIZE = 30  # connections of one process to PostgreSQL at most
CONNECT_TIMEOUT_S = 5  # a black-holed PostgreSQL host answers 503 after this, not after 60 s


def _sqlite_engine(url: str, begin: str) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _ping_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection on checkout only when it sat idle in the pool for more than
    ``IDLE_PING_S``: after a server restart the stale connections are replaced instead of
    failing the next requests, and a busy pool pays nothing. SQLAlchemy's ``pool_pre_ping``
    pings on every checkout, which asyncpg does in three round trips (BEGIN, ``;``,
    ROLLBACK): more than a whole allocation's statements under load. A connection that
    breaks in use is invalidated with every older one by SQLAlchemy itself (disconnect
    handling), so only requests in flight during a restart fail."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= IDLE_PING_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # an idle connection that cannot answer ``;`` is gone
            raise sa.exc.DisconnectionError() from error  # the pool connects afresh


class Database:
    """The database of one instance: read sessions and units of work."""

    def __init__(self, url: str, guard: WriteGuard | None = None) -> None:
        """``guard`` checks every unit of work's recorded changes before it commits."""
        self.url = url
        self.guard = guard
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                files.prepare_sqlite(Path(parsed.database))
            self.writer = _sqlite_engine(url, "BEGIN IMMEDIATE")
            self.reader = _sqlite_engine(url, "BEGIN")
        else:
            # Every connection opened is kept (no overflow): an overflow connection is
            # closed on its return whenever ten others idle, and a link round returns a
            # burst at once, so a process under load opened a connection every 14
            # allocations (a server fork and asyncpg's set-up each time; measured with
            # bench/allocations.py's 16 clients a process).
            self.writer = create_async_engine(
                url,
                pool_size=POOL_SIZE,
                max_overflow=0,
                pool_timeout=10,
                connect_args={"timeout": CONNECT_TIMEOUT_S},
            )
            _ping_idle(self.writer)  # after a server restart, stale connections are replaced
            self.reader = self.writer
        self._read_sessions = async_sessionmaker(
            self.reader, class_=AsyncSession, expire_on_commit=False
        )
        self._write_sessions = async_sessionmaker(
            self.writer, class_=AsyncSession, expire_on_commit=False
        )
        # PostgreSQL: audit records are staged by each change and linked in shared rounds
        self._chain = linker.GroupLinker(self._link) if self.dialect == "postgresql" else None

    async def _link(self) -> None:
        async with self.writer.begin() as connection:  # committed when the block ends
            await linker.link(connection)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read-only session; whatever it holds is rolled back at the end.
        Raises ``Unavailable`` when the database cannot be reached."""
        try:
            async with self._read_sessions() as session:
                yield session
        except Exception as error:
            if unreachable(error):
                raise Unavailable() from error
            raise

    async def ping(self, within_seconds: float) -> None:
        """``SELECT 1`` within ``within_seconds``, else ``Unavailable``."""
        try:
            async with asyncio.timeout(within_seconds), self.read() as session:
                await session.exec(sa.select(1))  # type: ignore[call-overload]
        except TimeoutError as error:
            raise Unavailable() from error

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction: committed (with its audit events) when the block ends
        normally, rolled back when it raises. Services never commit by themselves.
        Raises ``Unavailable`` when the database cannot be reached."""
        try:
            async with self._write_sessions() as session:
                uow = UnitOfWork(session, self.dialect, self._chain, self.guard)
                try:
                    yield uow
                except BaseException:
                    await session.rollback()
                    raise
                await uow.commit()
        except Exception as error:
            if unreachable(error):
                raise Unavailable() from error
            raise

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
