"""PostgreSQL's group commit of the chain: records staged with their change, linked after
commit; what a crash between the two leaves is linked by the next write."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.audit import chain, linker
from exchange.audit.chain import AuditRecord
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import World


def postgres_only(runtime: Runtime) -> None:
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite appends in the writer's own transaction: nothing is staged")


async def actions(runtime: Runtime) -> list[str]:
    async with runtime.db.read() as session:
        return [e.action async for e in chain.stream(session)]


async def test_a_record_left_staged_by_a_crash_is_named_then_linked_by_the_next_write(
    runtime: Runtime, settings: Settings, world: World
) -> None:
    postgres_only(runtime)
    before = await actions(runtime)
    # a change committed with its staged record, its process gone before the link round
    async with AsyncSession(runtime.db.writer) as session:
        await linker.stage(session, [AuditRecord("test", "crashed.change", "note", "1")])
        await session.commit()
    result = await invoke(settings, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {len(before)} events")
    assert "1 committed changes wait for their place" in result.output
    async with runtime.db.unit_of_work() as uow:
        uow.record(AuditRecord("test", "next.change", "note", "2"))
    assert await actions(runtime) == [*before, "crashed.change", "next.change"]
    async with runtime.db.read() as session:
        assert await linker.waiting(session) == 0
        assert (await chain.verify(session)).ok


async def test_concurrent_units_share_link_rounds_and_leave_a_gapless_chain(
    runtime: Runtime, world: World
) -> None:
    postgres_only(runtime)
    before = await actions(runtime)

    async def change(index: int) -> None:
        async with runtime.db.unit_of_work() as uow:
            uow.record(AuditRecord("test", "note.write", "note", str(index)))

    await asyncio.gather(*(change(i) for i in range(40)))
    async with runtime.db.read() as session:
        linked = [(e.seq, e.entity_id) async for e in chain.stream(session)]
        assert (await chain.verify(session)).ok
        assert await linker.waiting(session) == 0
    assert [seq for seq, _ in linked] == list(range(1, len(before) + 41))
    assert sorted(int(e) for _, e in linked[len(before) :]) == list(range(40))
