"""Benchmark of the foundation: partner queries and mutations through GraphQL, and the
async-session design against synchronous sessions in a thread pool.

    .venv/bin/python bench/partners_api.py [--partners 2000] [--requests 400] [--postgres]
    .venv/bin/python bench/partners_api.py --quick   (500 partners, 100 requests, SQLite)

Runs in-process (httpx ASGITransport), so it measures the application, not a network.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
import headline
import httpx
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exchange.app import create_app
from exchange.db import migrate
from exchange.identity import service as identity
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM, Role
from exchange.partners import service as partners
from exchange.partners.models import Partner, PartnerKind
from exchange.runtime import Runtime
from exchange.settings import Settings

LIST = "query($after: String) { partners(first: 20, after: $after) { nodes { id name country tags } pageInfo { endCursor } } }"
CREATE = """mutation($input: CreatePartnerInput!) { createPartner(input: $input) { __typename } }"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def seed(runtime: Runtime, count: int) -> str:
    async with runtime.db.unit_of_work() as uow:
        for index in range(count):
            draft = partners.PartnerDraft(
                [("en", f"Library {index}"), ("ko-Hang", f"도서관 {index}")],
                "KP",
                PartnerKind.UNIVERSITY_LIBRARY,
                [],
            )
            await partners.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
        admin = await identity.create_account(
            SYSTEM,
            identity.AccountDraft("bench@example.org", "Bench"),
            uow=uow,
            policy=runtime.policy,
        )
        first = (await uow.session.exec(select(Partner).limit(1))).one()
        await identity.add_membership(
            SYSTEM, admin.id, first.id, Role.ADMIN, uow=uow, policy=runtime.policy
        )
        _token, secret = await tokens.issue_token(admin, uow=uow, ttl=timedelta(hours=1))
    return secret


ROWS: list[headline.Row] = []  # the figures of the last line, filled by the runs


async def measure(url: str, data_dir: Path, partners_count: int, requests: int) -> None:
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    settings = Settings(data_dir=data_dir, database_url=url, log_level="WARNING")
    runtime = Runtime.start(settings)
    token = await seed(runtime, partners_count)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers
    ) as client:
        latencies: list[float] = []
        after = None
        for _ in range(requests):
            start = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": LIST, "variables": {"after": after}}
            )
            latencies.append((time.perf_counter() - start) * 1000)
            after = response.json()["data"]["partners"]["pageInfo"]["endCursor"]
        print(
            f"  partners(first: 20) sequential: p50 {percentile(latencies, 0.5):.2f} ms, p95 {percentile(latencies, 0.95):.2f} ms"
        )
        where = url.split("+")[0]
        ROWS.append(
            headline.Row(
                f"partners(first: 20), sequential, {where}, p95", percentile(latencies, 0.95), "ms"
            )
        )

        async def burst(concurrency: int, make: int) -> float:
            semaphore = asyncio.Semaphore(concurrency)

            async def one(index: int) -> None:
                async with semaphore:
                    variables = {
                        "input": {
                            "names": [{"lang": "en", "value": f"New {index}"}],
                            "country": "FR",
                            "kind": "PUBLISHER",
                        }
                    }
                    body = (
                        await client.post(
                            "/graphql", json={"query": CREATE, "variables": variables}
                        )
                    ).json()
                    assert body["data"]["createPartner"]["__typename"] == "Partner", body

            start = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(make)))
            return make / (time.perf_counter() - start)

        created = await burst(16, requests)
        print(
            f"  createPartner, 16 concurrent clients: {created:.0f} mutations/s (audited, hash-chained)"
        )
        ROWS.append(
            headline.Row(f"createPartner, 16 clients, {where}", created, "mutations/s", "higher")
        )

        async def reads(concurrency: int) -> float:
            start = time.perf_counter()
            await asyncio.gather(
                *(client.post("/graphql", json={"query": LIST}) for _ in range(concurrency * 25))
            )
            return concurrency * 25 / (time.perf_counter() - start)

        read = await reads(16)
        print(f"  partners(first: 20), 16 concurrent clients: {read:.0f} requests/s")
        ROWS.append(
            headline.Row(f"partners(first: 20), 16 clients, {where}", read, "requests/s", "higher")
        )
    await compare_session_styles(runtime, url)
    await runtime.close()


async def compare_session_styles(runtime: Runtime, url: str) -> None:
    """The same page query, 16 at a time: async session vs sync session in a thread."""
    n = 800
    statement = select(Partner).order_by(col(Partner.id)).limit(21)

    async def async_read() -> None:
        async with runtime.db.read() as session:
            (await session.exec(statement)).all()

    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    try:
        engine = create_engine(sync_url, pool_size=16)
    except Exception as error:  # psycopg may not be installed: then compare only on SQLite
        print(f"  (sync comparison skipped: {error})")
        return

    def sync_read() -> None:
        with Session(engine) as session:
            session.exec(statement).all()

    async def run(one: object) -> float:
        semaphore = asyncio.Semaphore(16)

        async def guarded() -> None:
            async with semaphore:
                await one()  # type: ignore[operator]

        start = time.perf_counter()
        await asyncio.gather(*(guarded() for _ in range(n)))
        return n / (time.perf_counter() - start)

    async def threaded() -> None:
        await anyio.to_thread.run_sync(sync_read)

    async_rate, sync_rate = await run(async_read), await run(threaded)
    print(
        f"  page read, async session: {async_rate:.0f}/s; sync session in thread pool: {sync_rate:.0f}/s"
    )
    ROWS.append(
        headline.Row(
            f"page read, async session, 16 at a time, {url.split('+')[0]}", async_rate, "reads/s", "higher",
            sync_rate, "sync session in a thread pool",
        )
    )  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument(
        "--postgres", action="store_true", help="also run on a throwaway PostgreSQL"
    )
    parser.add_argument("--quick", action="store_true", help="500 partners, 100 requests")
    args = parser.parse_args()
    if args.quick:
        args.partners, args.requests = 500, 100
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        print("SQLite (file, WAL):")
        asyncio.run(
            measure(
                f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}",
                tmp / "sqlite",
                args.partners,
                args.requests,
            )
        )
        if args.postgres:
            from tests.servers.postgres import running_postgres

            url = stack.enter_context(running_postgres(tmp / "pg"))
            print("PostgreSQL:")
            asyncio.run(measure(url, tmp / "pg-data", args.partners, args.requests))
    headline.emit("partners_api", ROWS)


if __name__ == "__main__":
    main()
