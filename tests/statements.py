"""Counting the round trips an engine makes, for tests and benchmarks.

A statement is what costs a round trip to the server: each SQL statement sent through a
cursor, each BEGIN, COMMIT and ROLLBACK (SQLAlchemy's transaction events, whatever the
driver does underneath: asyncpg starts transactions itself, our SQLite engines send
``BEGIN`` through a cursor, counted once; none on an ``AUTOCOMMIT`` connection), and
the liveness ping of a pool that pre-pings on every checkout (PostgreSQL's).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine


class StatementCounter:
    """``count`` round trips over every engine given, while the block runs; ``sql`` keeps
    the statements' text (BEGIN etc. named in capitals) for a failing assertion."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    @property
    def count(self) -> int:
        return len(self.sql)

    @contextmanager
    def watching(self, *engines: AsyncEngine) -> Iterator[StatementCounter]:
        hooks: list[tuple[Any, str, Any]] = []

        def cursor(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith("BEGIN"):
                self.sql.append(" ".join(statement.split())[:200])

        def named(name: str) -> Any:
            def hook(conn: Any, *_args: Any) -> None:
                # an AUTOCOMMIT connection sends no BEGIN, COMMIT or ROLLBACK
                if not autocommitting(conn):
                    self.sql.append(name)

            return hook

        for engine in {id(e): e for e in engines}.values():
            target = engine.sync_engine
            hooks += [
                (target, "before_cursor_execute", cursor),
                (target, "begin", named("BEGIN")),
                (target, "commit", named("COMMIT")),
                (target, "rollback", named("ROLLBACK")),
            ]
            if target.pool._pre_ping:
                hooks.append((target.pool, "checkout", lambda *_args: self.sql.append("PING")))
        for target, name, fn in hooks:
            event.listen(target, name, fn)
        try:
            yield self
        finally:
            for target, name, fn in hooks:
                event.remove(target, name, fn)


def autocommitting(connection: Connection) -> bool:
    """Whether ``connection`` runs each statement as its own transaction."""
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
