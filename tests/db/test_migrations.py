"""Migrations are the only way the schema is made, so they must match the models."""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import select

from exchange.catalogue import search
from exchange.catalogue import service as works
from exchange.catalogue.models import Work, WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.db import migrate
from exchange.db.metadata import metadata
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World


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


async def test_title_hashes_of_existing_works_are_computed_by_their_migration(
    database_url: str, runtime: Runtime, world: World
) -> None:
    draft = WorkDraft(
        WorkKind.TEXTBOOK, [("ko", "  조선어   문법 ")], "ko", uuid.UUID(world.national)
    )
    async with runtime.db.unit_of_work() as uow:
        work = await works.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    await runtime.db.dispose()  # let the migrations have the database to themselves

    def down_and_up() -> None:
        command.downgrade(migrate.config(database_url), "0007")  # drops the column
        migrate.upgrade(database_url)  # adds it back, computed from the titles

    await anyio.to_thread.run_sync(down_and_up)
    async with runtime.db.read() as session:
        stored = (await session.exec(select(Work.title_hash).where(Work.id == work.id))).one()
    assert stored == search.title_key("조선어 문법") != ""
