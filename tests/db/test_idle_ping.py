"""PostgreSQL's pool pings a connection only after it sat idle (``engine._ping_idle``): a
busy pool pays no round trip, and connections the server dropped meanwhile (a restart)
are replaced before use instead of failing the next request."""

from __future__ import annotations

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from exchange.db import engine
from exchange.db.engine import Database
from tests.statements import StatementCounter


async def _drop_every_connection(url: str) -> int:
    """What a server restart does to the pool: every other backend of the database ends."""
    target = make_url(url)
    admin = await asyncpg.connect(
        host=target.host, port=target.port, user=target.username, database="postgres"
    )
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            target.database,
        )
    finally:
        await admin.close()
    return len(ended)


async def _select_one(db: Database) -> int:
    async with db.read() as session:
        return int((await session.exec(sa.select(sa.literal(1)))).one()[0])  # type: ignore[call-overload]


async def test_a_connection_reused_at_once_is_not_pinged(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connection to lose")
    db = Database(database_url)
    try:
        assert await _select_one(db) == 1
        counter = StatementCounter()
        with counter.watching(db.reader):
            assert await _select_one(db) == 1
        assert [sql.split()[0] for sql in counter.sql] == ["BEGIN", "SELECT", "ROLLBACK"]
    finally:
        await db.dispose()


async def test_idle_connections_dropped_by_the_server_are_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connection to lose")
    db = Database(database_url)
    try:
        assert await _select_one(db) == 1
        assert await _drop_every_connection(database_url) == 1
        monkeypatch.setattr(engine, "IDLE_PING_S", 0.0)  # every pooled connection is idle
        assert await _select_one(db) == 1  # pinged, found dead, replaced: no error
        assert await _select_one(db) == 1
    finally:
        await db.dispose()
