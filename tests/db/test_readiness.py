"""The revision check that lets ``serve`` and every command leave Alembic unimported."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from exchange.db import readiness


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert readiness.head() == readiness._alembic_head()


def test_a_migrated_database_is_current(database_url: str) -> None:
    assert readiness.is_current(database_url) is True


def test_a_missing_or_older_database_is_not_current_and_nothing_is_made(
    sqlite_template: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "none" / "exchange.sqlite3"
    assert readiness.is_current(f"sqlite+aiosqlite:///{missing}") is False
    assert not missing.parent.exists()

    older = tmp_path / "older.sqlite3"
    older.write_bytes(sqlite_template.read_bytes())
    with closing(sqlite3.connect(older)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0017'")
    assert readiness.is_current(f"sqlite+aiosqlite:///{older}") is False
