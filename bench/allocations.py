"""Allocation benchmark: throughput under contention, and suggestion latency.

    .venv/bin/python bench/allocations.py [--postgres] [--lines 50000]
    .venv/bin/python bench/allocations.py --quick   (SQLite and PostgreSQL, 5,000 lines)

* hot line: 64 concurrent clients (4 processes x 16) allocating 1 copy at a time from ONE
  offer line of 100,000 copies; allocations/s, and the exact total checked afterwards;
* cold lines: the same 64 clients spread over 1,000 offer lines;
* suggestions: p50/p95 of ``suggestions`` for a described need among ``--lines`` open
  offer lines (bulk-inserted).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import headline

from exchange import clock, collector
from exchange.allocations import service as allocations
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.catalogue.validation import WorkDraft
from exchange.db import migrate
from exchange.errors import Conflict
from exchange.identity import service as identity
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.ids import uuid7
from exchange.matching import service as matching
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
) -> tuple[Identity, list[uuid.UUID], uuid.UUID, Identity]:
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
        request = await requests.create(
            people["taker"],
            requests.RequestDraft(taker.id, [requests.RequestLineDraft(100_000, work_id=work.id)]),
            uow=uow,
            policy=policy,
        )
        request_line = (await requests.lines_of([request.id], session=uow.session))[request.id][
            0
        ].id
    return people["coord"], offer_lines, request_line, people["taker"]


def client_process(
    data_dir: str,
    url: str,
    who: Identity,
    lines: list[uuid.UUID],
    request_line: uuid.UUID,
    seed: int,
) -> int:
    collector.tune()  # each client process stands for a server process

    async def main() -> int:
        runtime = Runtime.start(
            Settings(data_dir=Path(data_dir), database_url=url, log_level="WARNING")
        )
        done = 0
        reasons: dict[str, int] = {}

        async def client(index: int) -> None:
            nonlocal done
            for step in range(PER_CLIENT):
                line = lines[(seed * 7919 + index * 104729 + step * 31) % len(lines)]
                try:
                    async with runtime.db.unit_of_work() as uow:
                        await allocations.allocate(
                            who, line, request_line, 1, uow=uow, policy=runtime.policy
                        )
                    done += 1
                except Conflict as refused:
                    reasons[refused.message] = reasons.get(refused.message, 0) + 1

        await asyncio.gather(*(client(i) for i in range(CLIENTS_PER_PROCESS)))
        await runtime.close()
        if reasons:
            print(f"    process {seed}: refused {reasons}", flush=True)
        return done

    return asyncio.run(main())


async def contention(
    settings: Settings, who: Identity, lines: list[uuid.UUID], request_line: uuid.UUID
) -> tuple[int, float]:
    context = multiprocessing.get_context("spawn")

    def fire() -> tuple[int, float]:
        with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
            # warm the workers (imports, engines) before timing
            list(pool.map(abs, range(PROCESSES)))
            start = time.perf_counter()
            futures = [
                pool.submit(
                    client_process,
                    str(settings.data_dir),
                    settings.database_url,
                    who,
                    lines,
                    request_line,
                    seed,
                )
                for seed in range(PROCESSES)
            ]
            done = sum(f.result() for f in futures)
            return done, time.perf_counter() - start

    return await anyio.to_thread.run_sync(fire)


async def bulk_offer_lines(runtime: Runtime, donor_line: uuid.UUID, count: int) -> None:
    """Copy the hot offer line's offer into ``count`` more lines of varied works."""
    async with runtime.db.unit_of_work() as uow:
        template = await uow.session.get(OfferLine, donor_line)
        assert template is not None
        rows = [
            {
                "id": uuid7(),
                "offer_id": template.offer_id,
                "work_id": template.work_id,
                "quantity": 5,
                "allocated": 0,
                "format": "print",
                "condition": "good",
            }
            for _ in range(count)
        ]
        for start in range(0, len(rows), 5000):
            await uow.session.exec(sa.insert(OfferLine), params=rows[start : start + 5000])


ROWS: list[headline.Row] = []  # the figures of the last line, filled by the runs


async def measure(url: str, data_dir: Path, lines_count: int) -> None:
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    settings = Settings(data_dir=data_dir, database_url=url, log_level="WARNING")
    runtime = Runtime.start(settings)
    coordinator, offer_lines, request_line, taker = await setup(runtime, 1000)

    done, seconds = await contention(settings, coordinator, offer_lines[:1], request_line)
    async with runtime.db.read() as session:
        hot = await session.get(OfferLine, offer_lines[0])
    assert hot is not None
    assert hot.allocated == done, (hot.allocated, done)
    print(
        f"  hot line, 64 clients: {done} allocations in {seconds:.2f} s = {done / seconds:.0f}/s (counter {hot.allocated}, exact)"
    )
    where = runtime.db.dialect
    ROWS.append(
        headline.Row(f"hot line, 64 clients, {where}", done / seconds, "allocations/s", "higher")
    )
    done, seconds = await contention(settings, coordinator, offer_lines[1:], request_line)
    print(
        f"  1,000 cold lines, 64 clients: {done} allocations in {seconds:.2f} s = {done / seconds:.0f}/s"
    )
    ROWS.append(
        headline.Row(
            f"1,000 cold lines, 64 clients, {where}", done / seconds, "allocations/s", "higher"
        )
    )

    await bulk_offer_lines(runtime, offer_lines[0], lines_count)
    async with runtime.db.unit_of_work() as uow:
        async with runtime.db.read() as session:
            taker_partner = taker.grants[0].partner_id
        described = await requests.create(
            taker,
            requests.RequestDraft(
                taker_partner,
                [
                    requests.RequestLineDraft(
                        3, subject="physics", language="en", level=WorkLevel.UNDERGRADUATE
                    )
                ],
            ),
            uow=uow,
            policy=runtime.policy,
        )
        line_id = (await requests.lines_of([described.id], session=uow.session))[described.id][0].id
    latencies = []
    for _ in range(60):
        start = time.perf_counter()
        async with runtime.db.read() as session:
            found = await matching.suggestions(
                coordinator, line_id, 20, session=session, policy=runtime.policy
            )
        latencies.append((time.perf_counter() - start) * 1000)
        assert len(found) == 20
    latencies.sort()
    print(
        f"  suggestions among {lines_count + 1000:,} open lines: p50 {statistics.median(latencies):.1f} ms, p95 {latencies[int(0.95 * len(latencies))]:.1f} ms"
    )
    ROWS.append(
        headline.Row(
            f"suggestions among {lines_count + 1000:,} open lines, {where}, p95",
            latencies[int(0.95 * len(latencies))],
            "ms",
        )
    )
    await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="--postgres --lines 5000")
    args = parser.parse_args()
    if args.quick:
        args.postgres, args.lines = True, 5_000
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        print("SQLite:")
        asyncio.run(
            measure(f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}", tmp / "sqlite", args.lines)
        )
        if args.postgres:
            from tests.servers.postgres import running_postgres

            url = stack.enter_context(running_postgres(tmp / "pg"))
            print("PostgreSQL:")
            asyncio.run(measure(url, tmp / "pg-data", args.lines))
    headline.emit("allocations", ROWS)


if __name__ == "__main__":
    collector.tune()  # as ``exchange serve`` does
    main()
