"""Allocation benchmark: throughput under contention, against what PostgreSQL allows.

    .venv/bin/python bench/allocations.py [--postgres] [--rounds 2]
    .venv/bin/python bench/allocations.py --quick   (SQLite, and PostgreSQL with pgbench, 1 round)

* hot line: 64 concurrent clients (4 processes x 16) allocating 1 copy at a time from ONE
  offer line of 100,000 copies to one request line; allocations/s;
* on PostgreSQL, interleaved with each hot run and on the same cluster, pgbench with 64
  clients: (1) one conditional UPDATE of the line, (2) the service's own transaction,
  captured from the service and replayed (``pgbench_replay``); tps and ratios;
* how long each allocation keeps the hot line after its allocating statement returned:
  from the service's return to the end of its commit (``Holds``), median over the hot run.
  The line is locked from that statement to the commit, so the hot line's throughput is
  at most 1 / (statement + this span). The clients allocate ``alone``, as the GraphQL
  mutation and the claim page do: on PostgreSQL, past the request line's first allocation,
  that statement commits by itself (``ledger.take_at_once``), the line is free when it
  returns, and the span is only the unit of work's own bookkeeping;
* cold lines: the same 64 clients spread over 999 other offer lines, each allocating to a
  request line of its own (no counter row is shared between two allocations);
* after every run the invariant is checked (``check``): exact counters, no over-allocation,
  the audit chain verifies with nothing left unlinked.

Suggestion latency has its own bench: ``bench/suggestions.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
import uvloop
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import headline
from hot_replay import Replay, clone  # bench/, the script's directory

from exchange import clock, collector
from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation
from exchange.audit import chain
from exchange.audit.models import AuditPending
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.catalogue.validation import WorkDraft
from exchange.db import migrate
from exchange.errors import Conflict
from exchange.identity import service as identity
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format, OfferLine
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.settings import Settings

CLIENTS_PER_PROCESS = 16
PROCESSES = 4
PER_CLIENT = 40


async def setup(
    runtime: Runtime, cold_lines: int
) -> tuple[Identity, list[uuid.UUID], list[uuid.UUID], Identity]:
    """A donor's offer lines and a taker's request lines for one work, paired by position:
    the first of each is the hot line (100,000 copies), the other ``cold_lines - 1`` hold
    1,000 each. Returns the coordinator, the offer lines, the request lines and the taker."""
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        donor = await partners.create(
            SYSTEM,
            partners.PartnerDraft([("en", "Donor")], "DE", PartnerKind.DONOR_ORGANISATION, []),
            uow=uow,
            policy=policy,
        )
        taker = await partners.create(
            SYSTEM,
            partners.PartnerDraft([("en", "Taker")], "KP", PartnerKind.UNIVERSITY_LIBRARY, []),
            uow=uow,
            policy=policy,
        )
        people = {}
        for key, partner_id, role in (
            ("donor", donor.id, Role.LIBRARIAN),
            ("taker", taker.id, Role.LIBRARIAN),
            ("coord", donor.id, Role.COORDINATOR),
        ):
            account = await identity.create_account(
                SYSTEM,
                identity.AccountDraft(f"{key}@bench.example.org", key),
                uow=uow,
                policy=policy,
            )
            await identity.add_membership(
                SYSTEM, account.id, partner_id, role, uow=uow, policy=policy
            )
            people[key] = Identity(account.id, None, (Grant(partner_id, role),))
        work = await catalogue.create(
            SYSTEM,
            WorkDraft(
                WorkKind.TEXTBOOK,
                [("en", "Bench")],
                "en",
                donor.id,
                subjects=["physics"],
                level=WorkLevel.UNDERGRADUATE,
            ),
            uow=uow,
            policy=policy,
        )
        lines = [offers.OfferLineDraft(work.id, 100_000, Format.PRINT, Condition.GOOD)]
        lines += [
            offers.OfferLineDraft(work.id, 1_000, Format.PRINT, Condition.GOOD)
            for _ in range(cold_lines - 1)
        ]
        offer_lines: list[uuid.UUID] = []
        for chunk in range(0, len(lines), offers.MAX_LINES):
            draft = offers.OfferDraft(
                donor.id, lines[chunk : chunk + offers.MAX_LINES], clock.now() + timedelta(days=9)
            )
            offer = await offers.create(people["donor"], draft, uow=uow, policy=policy)
            await offers.transition(people["donor"], offer.id, "publish", uow=uow, policy=policy)
            offer_lines += [
                line.id
                for line in (await offers.lines_of([offer.id], session=uow.session))[offer.id]
            ]
        wanted = [requests.RequestLineDraft(100_000, work_id=work.id)]
        wanted += [requests.RequestLineDraft(1_000, work_id=work.id) for _ in range(cold_lines - 1)]
        request_lines: list[uuid.UUID] = []
        for chunk in range(0, len(wanted), requests.MAX_LINES):
            request = await requests.create(
                people["taker"],
                requests.RequestDraft(taker.id, wanted[chunk : chunk + requests.MAX_LINES]),
                uow=uow,
                policy=policy,
            )
            request_lines += [
                line.id
                for line in (await requests.lines_of([request.id], session=uow.session))[request.id]
            ]
    return people["coord"], offer_lines, request_lines, people["taker"]


class Holds:
    """Spans from an allocation's return (its allocating statement, the last one, done) to
    the end of its commit, per client task: ``Session`` commits fire ``after_commit`` in
    the committing task, before the audit link round that follows the commit."""

    def __init__(self) -> None:
        self.spans: list[float] = []
        self._since: dict[asyncio.Task[Any] | None, float] = {}

    def __enter__(self) -> Holds:
        event.listen(Session, "after_commit", self._committed)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(Session, "after_commit", self._committed)

    def returned(self) -> None:
        self._since[asyncio.current_task()] = time.perf_counter()

    def _committed(self, _session: Session) -> None:
        since = self._since.pop(asyncio.current_task(), None)
        if since is not None:
            self.spans.append(time.perf_counter() - since)


def client_process(
    data_dir: str,
    url: str,
    who: Identity,
    pairs: list[tuple[uuid.UUID, uuid.UUID]],
    seed: int,
) -> tuple[int, list[float]]:
    collector.tune()  # each client process stands for a server process
    holds = Holds()

    async def main() -> tuple[int, list[float]]:
        runtime = Runtime.start(
            Settings(data_dir=Path(data_dir), database_url=url, log_level="WARNING")
        )
        done = 0
        reasons: dict[str, int] = {}

        async def client(index: int) -> None:
            nonlocal done
            for step in range(PER_CLIENT):
                line, wanted = pairs[(seed * 7919 + index * 104729 + step * 31) % len(pairs)]
                try:
                    async with runtime.db.unit_of_work() as uow:
                        await allocations.allocate(
                            who, line, wanted, 1, uow=uow, policy=runtime.policy, alone=True
                        )
                        holds.returned()
                    done += 1
                except Conflict as refused:
                    reasons[refused.message] = reasons.get(refused.message, 0) + 1

        with holds:
            await asyncio.gather(*(client(i) for i in range(CLIENTS_PER_PROCESS)))
        await runtime.close()
        if reasons:
            print(f"    process {seed}: refused {reasons}", flush=True)
        return done, holds.spans

    # on uvloop, as ``exchange serve`` runs (uvicorn picks it when installed: pyproject.toml)
    return uvloop.run(main())


def warm(ready: Any) -> None:
    """Run in each worker before the timing starts (see ``contention``)."""
    ready.wait(timeout=120)


async def contention(
    settings: Settings, who: Identity, pairs: list[tuple[uuid.UUID, uuid.UUID]]
) -> tuple[int, float, list[float]]:
    """Allocations made (each from an offer line to the request line paired with it),
    seconds taken, and every allocation's ``Holds`` span."""
    context = multiprocessing.get_context("spawn")

    def fire() -> tuple[int, float, list[float]]:
        with (
            context.Manager() as manager,
            ProcessPoolExecutor(PROCESSES, mp_context=context) as pool,
        ):
            # every worker started, its modules imported, before timing: a task of this
            # module imports it (and the service) in the worker, and the barrier makes each
            # of the PROCESSES tasks run in a worker of its own (imports took 1.8 s a worker)
            ready = manager.Barrier(PROCESSES)
            list(pool.map(warm, [ready] * PROCESSES))
            start = time.perf_counter()
            futures = [
                pool.submit(
                    client_process,
                    str(settings.data_dir),
                    settings.database_url,
                    who,
                    pairs,
                    seed,
                )
                for seed in range(PROCESSES)
            ]
            results = [f.result() for f in futures]
            seconds = time.perf_counter() - start
            return sum(r[0] for r in results), seconds, [s for r in results for s in r[1]]

    return await anyio.to_thread.run_sync(fire)


async def check(runtime: Runtime, hot: uuid.UUID, expected: int | None) -> str:
    """The invariant after a run: no offer line allocated past its quantity or out of step
    with its active allocations, the hot line at exactly ``expected`` (when given), the
    audit chain verifying with nothing left unlinked. Raises AssertionError otherwise."""
    async with runtime.db.read() as session:
        line = await session.get(OfferLine, hot)
        bad = (await session.exec(_OUT_OF_STEP)).one()  # type: ignore[call-overload]
        verified = await chain.verify(session)
        pending = (await session.exec(_PENDING)).one()  # type: ignore[call-overload]
    assert line is not None
    assert line.allocated <= line.quantity, (line.allocated, line.quantity)
    assert expected is None or line.allocated == expected, (line.allocated, expected)
    assert bad[0] == 0, f"{bad[0]} offer lines out of step with their allocations"
    assert verified.ok, verified
    assert pending[0] == 0, f"{pending[0]} audit records left unlinked"
    return f"invariant exact, chain verifies ({verified.count} events)"


_ACTIVE = (
    sa.select(sa.func.coalesce(sa.func.sum(Allocation.quantity), 0))
    .where(col(Allocation.offer_line_id) == col(OfferLine.id), col(Allocation.state) == "active")
    .scalar_subquery()
)
_OUT_OF_STEP = sa.select(sa.func.count()).where(
    (col(OfferLine.allocated) != _ACTIVE) | (col(OfferLine.allocated) > col(OfferLine.quantity))
)
_PENDING = sa.select(sa.func.count()).select_from(AuditPending)


async def hot_run(
    runtime: Runtime, settings: Settings, who: Identity, hot: uuid.UUID, request: uuid.UUID
) -> float:
    before = await allocated(runtime, hot)
    done, seconds, spans = await contention(settings, who, [(hot, request)])
    verdict = await check(runtime, hot, before + done)
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    held = statistics.median(spans) * 1000
    print(
        f"  service, hot line, 64 clients: {done} in {seconds:.2f} s = {done / seconds:.0f}/s"
        f" (load average after: {load}); {verdict}; after its statement the line stays"
        f" locked {held:.2f} ms until the commit ends (median; p90"
        f" {statistics.quantiles(spans, n=10)[-1] * 1000:.2f} ms)"
    )
    HELD.append(held)
    return done / seconds


async def allocated(runtime: Runtime, line_id: uuid.UUID) -> int:
    async with runtime.db.read() as session:
        line = await session.get(OfferLine, line_id)
    assert line is not None
    return line.allocated


async def measure(url: str, data_dir: Path, rounds: int) -> None:
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    settings = Settings(data_dir=data_dir, database_url=url, log_level="WARNING")
    runtime = Runtime.start(settings)
    coordinator, offer_lines, request_lines, _taker = await setup(runtime, 1000)
    request_line = request_lines[0]
    replay = None
    if runtime.db.dialect == "postgresql":
        replay = await Replay.capture(runtime, coordinator, offer_lines[0], request_line)
        await runtime.close()
        replay.url = await clone(url, "replay")
        await replay.widen(offer_lines[0], request_line)
        runtime = Runtime.start(settings)
    where = runtime.db.dialect
    services, replayed = [], []
    for _ in range(rounds):
        service = await hot_run(runtime, settings, coordinator, offer_lines[0], request_line)
        services.append(service)
        if replay is not None:
            replayed.append((await replay.compare(offer_lines[0], service, data_dir))[1])
    ROWS.append(
        headline.Row(
            f"hot line, 64 clients, {where}",
            statistics.median(services),
            "allocations/s",
            "higher",
            statistics.median(replayed) if replayed else None,
            "pgbench replaying the service's transaction" if replayed else "",
        )
    )
    ROWS.append(
        headline.Row(
            f"hot line, 64 clients, {where}: locked from the allocation's return to its commit",
            statistics.median(HELD),
            "ms",
        )
    )
    HELD.clear()
    cold = list(zip(offer_lines[1:], request_lines[1:], strict=True))
    done, seconds, _spans = await contention(settings, coordinator, cold)
    verdict = await check(runtime, offer_lines[0], None)
    print(f"  service, 1,000 cold lines, 64 clients: {done / seconds:.0f}/s; {verdict}")
    ROWS.append(
        headline.Row(
            f"1,000 cold lines, 64 clients, {where}", done / seconds, "allocations/s", "higher"
        )
    )
    await runtime.close()


ROWS: list[headline.Row] = []  # the figures of the last line, filled by the runs
HELD: list[float] = []  # each hot run's median Holds span, ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--quick", action="store_true", help="--postgres --rounds 1")
    args = parser.parse_args()
    if args.quick:
        args.postgres, args.rounds = True, 1
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if not args.skip_sqlite:
            print("SQLite:")
            sqlite = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
            asyncio.run(measure(sqlite, tmp / "sqlite", 1))
        if args.postgres:
            from tests.servers.postgres import running_postgres

            url = stack.enter_context(running_postgres(tmp / "pg"))
            print("PostgreSQL:")
            asyncio.run(measure(url, tmp / "pg-data", args.rounds))
    headline.emit("allocations", ROWS)


if __name__ == "__main__":
    collector.tune()  # as ``exchange serve`` does
    main()
