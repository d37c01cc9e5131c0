"""Is the database there and migrated? Asked before a command touches anything, so that a
command run against the wrong data directory says so in one line and creates nothing; and by
``exchange serve``, which imports Alembic only when there is something to migrate."""

from __future__ import annotations

import ast
import asyncio
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from exchange.db import migrate
from exchange.errors import ExchangeError


class NoDatabase(ExchangeError):
    """The database is missing, unreachable or not migrated to the code's revision."""

    code = "no_database"

    def __init__(self, where: str, detail: str = "") -> None:
        what = f"no database at {where}" if not detail else f"the database at {where} {detail}"
        super().__init__(f"{what}; run `exchange db upgrade` or set EXCHANGE_DATA_DIR")
        self.where = where


# ``revision = "0018"`` and ``down_revision: str | None = "0017"`` lines of a migration.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.MULTILINE)


def head() -> str:
    """The revision the code expects (the migrations' single head; several joined by ",").

    Read from the ``revision`` and ``down_revision`` lines of the migration files, as
    Alembic's ``ScriptDirectory.get_heads`` finds it (a test holds them equal) but without
    importing Alembic and executing every migration: 0.2-0.5 s of every command and of
    ``serve`` (issue 15). A file written otherwise falls back to Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for path in (migrate.MIGRATIONS / "versions").glob("*.py"):
            found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
            if "revision" not in found:
                continue
            revisions.add(ast.literal_eval(found["revision"]))
            down = ast.literal_eval(found["down_revision"])
            parents.update((down,) if isinstance(down, str) else down or ())
    except (KeyError, ValueError, SyntaxError):
        return _alembic_head()
    heads = sorted(revisions - parents)
    return heads[0] if len(heads) == 1 else ",".join(heads)


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(migrate.config("sqlite://")).get_heads()
    return heads[0] if len(heads) == 1 else ",".join(sorted(heads))


def _sqlite_revision(path: Path) -> str | None:
    if not path.is_file():
        raise NoDatabase(str(path))
    # mode=ro: a read that never creates the file (sqlite3.connect(path) would).
    # closing(): sqlite3's own context manager ends a transaction but leaves the connection
    # open until collected, and a stray connection closed late drops this process's POSIX
    # locks on the file, after which another process may take the WAL for unused.
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
    return None if row is None else str(row[0])


async def _server_revision(url: str) -> str | None:
    engine = create_async_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            exists = await connection.scalar(sa.text("SELECT to_regclass('alembic_version')"))
            if exists is None:
                return None
            found = await connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
            return None if found is None else str(found)
    finally:
        await engine.dispose()


async def require_current(url: str) -> None:
    """Raise ``NoDatabase`` unless the database at ``url`` exists at the code's revision.
    Creates no file, directory or table."""
    parsed = make_url(url)
    where = parsed.render_as_string(hide_password=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise NoDatabase(where)
            where = parsed.database
            revision = _sqlite_revision(Path(parsed.database))
        else:
            revision = await _server_revision(url)
    except (SQLAlchemyError, OSError, sqlite3.Error) as error:
        raise NoDatabase(where, f"cannot be read ({type(error).__name__})") from None
    if revision is None:
        raise NoDatabase(where, "is not migrated")
    expected = head()
    if revision != expected:
        raise NoDatabase(where, f"is at revision {revision}, the code needs {expected}")


def is_current(url: str) -> bool:
    """Whether the database at ``url`` exists at the code's revision (blocking: call it
    before the event loop starts). Anything else, or a database that cannot be read, is
    ``False``: ``migrate.upgrade`` then says what is wrong or makes it current."""
    try:
        asyncio.run(require_current(url))
    except NoDatabase:
        return False
    return True
