"""GraphQL against the limit: a page of offers with their partner, lines and works.

    .venv/bin/python bench/graphql_vs_raw.py [--offers 200] [--rounds 6] [--seconds 3]
        [--clients 4] [--sqlite-only]

Builds its data through the domain services (``--offers`` published offers of 3 lines,
from four donors, a tenth of them drafts), then serves the application (``/graphql``)
and the hand-written reference (``bench/raw_offers.py``: Starlette + SQLAlchemy Core,
the same SELECTs, the same JSON, behind the application's GZip middleware so both send
the same bytes) each with uvicorn in a process of its own on 127.0.0.1.
The two answers are asserted equal; then rounds alternate between them (the order
flipping each round), ``--clients`` keep-alive clients each, and the median req/s of each
and their ratio are printed, with the median server CPU time per request of each (read
from ``/proc``: the figure that holds when others load the machine) and its ratio.
Statements per request (round trips: SELECTs, BEGIN,
ROLLBACK, pool pings; ``tests/statements.py``) are counted in-process for ``first`` 10
and 50. On SQLite (a WAL file) and on a throwaway PostgreSQL (``tests/servers``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import headline
import raw_offers

from exchange import clock
from exchange.app import create_app
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.db import migrate
from exchange.db.engine import Database
from exchange.identity import service as identity
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.servers.web import free_port
from tests.statements import StatementCounter

PAGE = 50


async def seed(runtime: Runtime, count: int) -> str:
    """``count`` offers of 3 lines over 60 works from 4 donors; the reader's token (a
    librarian of the first donor, so its drafts are in its pages and the others' not)."""
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        donors = [
            await partners.create(
                SYSTEM,
                partners.PartnerDraft(
                    [("en", f"Donor {i}"), ("ko-Hang", f"기증자 {i}")],
                    "DE",
                    PartnerKind.DONOR_ORGANISATION,
                    [],
                ),
                uow=uow,
                policy=policy,
            )
            for i in range(4)
        ]
        people = []
        for i, donor in enumerate(donors):
            account = await identity.create_account(
                SYSTEM,
                identity.AccountDraft(f"l{i}@bench.example.org", f"L{i}"),
                uow=uow,
                policy=policy,
            )
            await identity.add_membership(
                SYSTEM, account.id, donor.id, Role.LIBRARIAN, uow=uow, policy=policy
            )
            people.append((account, Identity(account.id, None, (Grant(donor.id, Role.LIBRARIAN),))))
        works = [
            await catalogue.create(
                SYSTEM,
                WorkDraft(
                    WorkKind.TEXTBOOK,
                    [("en", f"Textbook {i}")],
                    "en",
                    donors[0].id,
                    year=1990 + i % 30,
                ),
                uow=uow,
                policy=policy,
            )
            for i in range(60)
        ]
        for i in range(count):
            who = people[i % 4][1]
            lines = [
                offers.OfferLineDraft(works[(i + k) % 60].id, 1 + k, Format.PRINT, Condition.GOOD)
                for k in range(3)
            ]
            draft = offers.OfferDraft(None, lines, clock.now() + timedelta(days=30), f"terms {i}")
            offer = await offers.create(who, draft, uow=uow, policy=policy)
            if i % 10 != 9:
                await offers.transition(who, offer.id, "publish", uow=uow, policy=policy)
        _token, secret = await tokens.issue_token(people[0][0], uow=uow, ttl=timedelta(hours=2))
    return secret


def serve(which: str, url: str, data_dir: str, port: int) -> None:
    """The child process: one server on 127.0.0.1:``port`` until killed."""
    if which == "graphql":
        app: Any = create_app(
            Settings(data_dir=Path(data_dir), database_url=url, log_level="WARNING")
        )
    else:
        app = raw_offers.app(Database(url).reader)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def request_of(which: str, first: int) -> tuple[str, dict[str, Any]]:
    if which == "graphql":
        return "/graphql", {"query": raw_offers.QUERY, "variables": {"first": first}}
    return "/raw", {"first": first}


async def count_statements(runtime: Runtime, token: str) -> dict[tuple[str, int], int]:
    """Round trips of one request of each kind at ``first`` 10 and 50, in-process."""
    apps = {
        "graphql": create_app(runtime.settings, runtime),
        "raw": raw_offers.app(runtime.db.reader),
    }
    counts: dict[tuple[str, int], int] = {}
    for which, app in apps.items():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for first in (10, PAGE):
                path, body = request_of(which, first)
                headers = {"Authorization": f"Bearer {token}"}
                await client.post(path, json=body, headers=headers)  # warm caches
                counter = StatementCounter()
                with counter.watching(runtime.db.reader, runtime.db.writer):
                    response = await client.post(path, json=body, headers=headers)
                assert response.status_code == 200, response.text
                counts[which, first] = counter.count
    return counts


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def rate(
    base: str, path: str, body: dict[str, Any], token: str, pid: int, args: argparse.Namespace
) -> tuple[float, float]:
    """Requests per second over ``args.seconds``, and the server's CPU ms per request
    (the figure that holds when other work shares the machine)."""
    done = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        stop = time.perf_counter() + args.seconds

        async def one() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                response = await client.post(path, json=body)
                assert response.status_code == 200, response.text
                done += 1

        start, cpu = time.perf_counter(), cpu_seconds(pid)
        await asyncio.gather(*(one() for _ in range(args.clients)))
        wall = time.perf_counter() - start
        return done / wall, (cpu_seconds(pid) - cpu) * 1000 / done


Figures = dict[str, tuple[float, float]]  # which: (req/s, server CPU ms per request)


async def compare(
    urls: dict[str, str], pids: dict[str, int], token: str, args: argparse.Namespace
) -> Figures:
    """The medians over interleaved rounds, after asserting both answer the same."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:
        answers = {}
        for which, base in urls.items():
            path, body = request_of(which, PAGE)
            answers[which] = (await client.post(base + path, json=body)).json()
    assert "errors" not in answers["graphql"], answers["graphql"]
    assert answers["graphql"] == answers["raw"], "the two endpoints answer differently"
    assert len(answers["raw"]["data"]["offers"]["nodes"]) == PAGE
    rounds: dict[str, list[tuple[float, float]]] = {"graphql": [], "raw": []}
    for round_ in range(args.rounds):
        order = ["graphql", "raw"] if round_ % 2 == 0 else ["raw", "graphql"]
        for which in order:
            path, body = request_of(which, PAGE)
            rounds[which].append(await rate(urls[which], path, body, token, pids[which], args))
    return {
        which: (statistics.median(r for r, _ in found), statistics.median(c for _, c in found))
        for which, found in rounds.items()
    }


def started(which: str, url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", which, url, str(data_dir), str(port)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/", timeout=1)
            return child, base
        except httpx.TransportError:
            time.sleep(0.1)
    child.kill()
    raise RuntimeError(f"the {which} server did not start")


async def prepare(url: str, data_dir: Path, count: int) -> tuple[str, dict[tuple[str, int], int]]:
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    runtime = Runtime.start(Settings(data_dir=data_dir, database_url=url, log_level="WARNING"))
    try:
        token = await seed(runtime, count)
        return token, await count_statements(runtime, token)
    finally:
        await runtime.close()


ROWS: list[headline.Row] = []  # the figures of the last line, filled by ``measure``


def measure(name: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    token, counts = asyncio.run(prepare(url, data_dir, args.offers))
    children, urls, pids = [], {}, {}
    try:
        for which in ("graphql", "raw"):
            child, urls[which] = started(which, url, data_dir)
            children.append(child)
            pids[which] = child.pid
        found = asyncio.run(compare(urls, pids, token, args))
    finally:
        for child in children:
            child.terminate()
            child.wait(timeout=30)
    (graphql, graphql_cpu), (raw, raw_cpu) = found["graphql"], found["raw"]
    print(
        f"{name}: offers(first: {PAGE}) GraphQL {graphql:.1f} req/s, raw {raw:.1f} req/s,"
        f" ratio {graphql / raw:.2f}; server CPU per request GraphQL {graphql_cpu:.1f} ms,"
        f" raw {raw_cpu:.1f} ms, ratio {raw_cpu / graphql_cpu:.2f};"
        f" statements per request at first 10/{PAGE}:"
        f" GraphQL {counts['graphql', 10]}/{counts['graphql', PAGE]},"
        f" raw {counts['raw', 10]}/{counts['raw', PAGE]}"
    )
    raw_endpoint = "raw Starlette + SQLAlchemy Core endpoint"
    ROWS.append(
        headline.Row(f"offers(first: {PAGE}) {name}", graphql, "req/s", "higher", raw, raw_endpoint)
    )
    ROWS.append(
        headline.Row(
            f"server CPU per offers page, {name}", graphql_cpu, "ms", "lower", raw_cpu, raw_endpoint
        )
    )


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--offers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--quick", action="store_true", help="--rounds 4 --seconds 2")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 4, 2.0
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        measure("SQLite", f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}", tmp / "sqlite", args)
        if not args.sqlite_only:
            from tests.servers.postgres import running_postgres

            url = stack.enter_context(running_postgres(tmp / "pg"))
            measure("PostgreSQL", url, tmp / "pg-data", args)
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")
    headline.emit("graphql_vs_raw", ROWS)


if __name__ == "__main__":
    main()
