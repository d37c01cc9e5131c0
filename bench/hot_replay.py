"""The hot line under pgbench, beside the service's runs (see ``bench/allocations.py``).

``Replay.capture`` records one allocation made through the service; ``clone`` copies the
bench database into a sibling database of the same cluster; ``Replay.compare`` runs
pgbench there — one conditional UPDATE, then the captured transaction — checks that
every pgbench transaction allocated exactly one copy, and prints tps and ratios.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pgbench_replay  # bench/, beside this module
from sqlalchemy.engine import make_url

from exchange.allocations import service as allocations
from exchange.audit import chain
from exchange.identity.identity import Identity
from exchange.runtime import Runtime

WIDE = 1_000_000_000  # the replay's hot lines never run out


async def _connect(url: str, database: str | None = None) -> asyncpg.Connection:
    target = make_url(url)
    return await asyncpg.connect(
        host=target.host,
        port=target.port,
        user=target.username,
        database=database or target.database,
    )


async def clone(url: str, name: str) -> str:
    """A copy of ``url``'s database named ``name`` in the same cluster; its URL."""
    source = make_url(url)
    admin = await _connect(url, "postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"')
    finally:
        await admin.close()
    return source.set(database=name).render_as_string(hide_password=False)


@dataclass
class Replay:
    script: str
    statements: int
    url: str = ""
    offset: int = 0  # the replay's counter minus its allocation rows (UPDATE-only runs)
    ratios: list[tuple[float, float]] = field(default_factory=list)

    @classmethod
    async def capture(
        cls, runtime: Runtime, who: Identity, offer_line: uuid.UUID, request_line: uuid.UUID
    ) -> Replay:
        """One allocation through the service, its SQL recorded and made a pgbench script
        (the second one: the first changes the request's state, which later ones don't)."""
        async with runtime.db.unit_of_work() as uow:
            await allocations.allocate(
                who, offer_line, request_line, 1, uow=uow, policy=runtime.policy, alone=True
            )
        taken, stop = pgbench_replay.capture(runtime.db.writer)
        try:
            async with runtime.db.unit_of_work() as uow:
                made = await allocations.allocate(
                    who, offer_line, request_line, 1, uow=uow, policy=runtime.policy, alone=True
                )
        finally:
            stop()
        async with runtime.db.read() as session:
            last = await chain.head(session)
        assert last is not None
        assert last.entity_id == str(made.id)
        fresh = {str(made.id): "allocation", str(last.id): "event"}
        script = pgbench_replay.replay_script(taken, fresh)
        print(f"  the service's transaction, {taken.count()} statements, replayed as:")
        for line in script.splitlines():
            print(f"    {line[:150]}{' ...' if len(line) > 150 else ''}")
        return cls(script, taken.count())

    async def widen(self, offer_line: uuid.UUID, request_line: uuid.UUID) -> None:
        connection = await _connect(self.url)
        try:
            for name, line in (("offer_line", offer_line), ("request_line", request_line)):
                await connection.execute(
                    f"UPDATE {name} SET quantity = $1 WHERE id = $2",  # noqa: S608 (our names)
                    WIDE,
                    line,
                )
        finally:
            await connection.close()

    async def _counts(self, line: uuid.UUID) -> tuple[int, int]:
        connection = await _connect(self.url)
        try:
            counter = await connection.fetchval(
                "SELECT allocated FROM offer_line WHERE id = $1", line
            )
            rows = await connection.fetchval(
                "SELECT count(*) FROM allocation WHERE offer_line_id = $1", line
            )
        finally:
            await connection.close()
        return int(counter), int(rows)

    async def _run(self, script: str, line: uuid.UUID, tmp: Path, rows_too: bool) -> float:
        before = await self._counts(line)
        result = pgbench_replay.run(self.url, script, tmp)
        after = await self._counts(line)
        moved = after[0] - before[0]
        assert result.failed == 0, result
        assert moved == result.transactions, (result, before, after)
        assert after[1] - before[1] == (result.transactions if rows_too else 0)
        return result.tps

    async def compare(self, line: uuid.UUID, service: float, tmp: Path) -> tuple[float, float]:
        update = (
            f"UPDATE offer_line SET allocated = allocated + 1 WHERE id = '{line}'"  # noqa: S608
            " AND allocated + 1 <= quantity;\n"
        )
        single = await self._run(update, line, tmp, rows_too=False)
        replayed = await self._run(self.script, line, tmp, rows_too=True)
        self.ratios.append((service / single, service / replayed))
        print(
            f"  pgbench, one conditional UPDATE: {single:.0f} tps (service {service / single:.3f});"
            f" the service's transaction replayed: {replayed:.0f} tps"
            f" (service {service / replayed:.2f}); every pgbench transaction moved the counter once"
        )
        return single, replayed
