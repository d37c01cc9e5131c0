"""Migrations are the only way the schema is made, so they must match the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from exchange.db import migrate
from exchange.db.metadata import metadata
from exchange.runtime import Runtime


async def test_models_and_migrations_agree(runtime: Runtime) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.include_name}
        )
        return list(compare_metadata(context, metadata))

    async with runtime.db.writer.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(runtime: Runtime) -> None:
    if runtime.db.dialect != "sqlite":
        return
    async with runtime.db.writer.connect() as connection:
        journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    assert (journal, foreign_keys) == ("wal", 1)
