"""What one allocation costs, one client at a time (see ``bench/allocations.py`` for 64).

    .venv/bin/python bench/allocation_cost.py [--quick] [--count 300] [--profile]

On PostgreSQL (a throwaway cluster, as the tests start it) and SQLite, allocating one copy
at a time from one offer line to one request line through the service:

* round trips per allocation: every statement, BEGIN, COMMIT and pool ping, the audit link
  round included (``tests.statements.StatementCounter``), and the statements of one;
* how long the offer line stays locked: from the moment the statement that moves its
  counter is sent until the commit of that transaction returns (for an allocation made at
  once, a statement that is its own transaction, until that statement's reply);
* Python CPU per allocation (process time; ``--profile`` prints where it goes).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy import event
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import headline
from allocations import setup  # bench/, the script's directory

from exchange import collector
from exchange.allocations import service as allocations
from exchange.db import migrate
from exchange.identity.identity import Identity
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.statements import StatementCounter, autocommitting

LOCKING = "UPDATE offer_line SET allocated"  # the statement that locks the hot line


class LockClock:
    """Times each span from the statement locking the offer line to its commit's end."""

    def __init__(self) -> None:
        self.spans: list[float] = []
        self._since: float | None = None

    def __enter__(self) -> LockClock:
        event.listen(Session, "after_commit", self._committed)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(Session, "after_commit", self._committed)

    def watch(self, engine: Any) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self._sent)
        event.listen(engine.sync_engine, "after_cursor_execute", self._replied)

    def _sent(self, _c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if LOCKING in " ".join(statement.split()) and self._since is None:
            self._since = time.perf_counter()

    def _replied(self, connection: Any, *_args: Any) -> None:
        if self._since is not None and autocommitting(connection):  # committed already
            self.spans.append(time.perf_counter() - self._since)
            self._since = None

    def _committed(self, _session: Session) -> None:
        if self._since is not None:
            self.spans.append(time.perf_counter() - self._since)
            self._since = None


async def one(runtime: Runtime, who: Identity, line: uuid.UUID, request: uuid.UUID) -> None:
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            who, line, request, 1, uow=uow, policy=runtime.policy, alone=True
        )


async def measure(url: str, data_dir: Path, count: int, profile: bool) -> list[headline.Row]:
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    runtime = Runtime.start(Settings(data_dir=data_dir, database_url=url, log_level="WARNING"))
    who, lines, requested, _taker = await setup(runtime, 1)
    request = requested[0]
    where = runtime.db.dialect
    for _ in range(5):  # warm: statement caches, the request's first state change
        await one(runtime, who, lines[0], request)
    counter = StatementCounter()
    with counter.watching(runtime.db.writer, runtime.db.reader):
        await one(runtime, who, lines[0], request)
    print(f"{where}: one allocation, {counter.count} round trips:")
    for sql in counter.sql:
        print(f"    {sql[:140]}")
    counter = StatementCounter()
    clock = LockClock()
    clock.watch(runtime.db.writer)
    profiler = cProfile.Profile() if profile else None
    with counter.watching(runtime.db.writer, runtime.db.reader), clock:
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(count):
            await one(runtime, who, lines[0], request)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await runtime.close()
    trips = counter.count / count
    held = statistics.median(clock.spans) * 1000
    print(
        f"  {count} allocations: {trips:.2f} round trips each, {cpu / count * 1000:.2f} ms CPU"
        f" each, {wall / count * 1000:.2f} ms wall each, offer line locked {held:.2f} ms"
        f" (median; p90 {statistics.quantiles(clock.spans, n=10)[-1] * 1000:.2f} ms)"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return [
        headline.Row(f"round trips per allocation, {where}", trips, "statements"),
        headline.Row(f"Python CPU per allocation, {where}", cpu / count * 1000, "ms"),
        headline.Row(f"hot line locked per allocation, {where}", held, "ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--quick", action="store_true", help="--count 100")
    args = parser.parse_args()
    count = 100 if args.quick else args.count
    rows: list[headline.Row] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        from tests.servers.postgres import running_postgres

        url = stack.enter_context(running_postgres(tmp / "pg"))
        rows += asyncio.run(measure(url, tmp / "pg-data", count, args.profile))
        sqlite = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
        rows += asyncio.run(measure(sqlite, tmp / "sqlite", count, args.profile))
    headline.emit("allocation_cost", rows)


if __name__ == "__main__":
    collector.tune()  # as ``exchange serve`` does
    main()
