"""Pages benchmark: server time and weight of the dashboard, the matching board and the
catalogue search, with 10,000 works and 1,000 offers, on SQLite and PostgreSQL.

    .venv/bin/python bench/pages.py [--works 10000] [--offers 1000] [--rounds 5] [--postgres]

The data is made through the domain services (``bench/pages_data.py``); the instance is
the real one (``exchange serve``: uvicorn on 127.0.0.1, in its own process); the visitors
sign in through the sign-in page as a browser does. Each round asks every page ``--count``
times, each request followed by ``/health`` (the reference: one ``SELECT 1`` through the
same stack), and takes p50/p95 of the time to the last byte, measured by the client on
loopback; the figures printed are the median over the rounds, with the ratio of each
page's p50 to the reference's. Weight: each page's HTML plus the CSS and JavaScript it
references, bytes on the wire, asked with and without ``Accept-Encoding: gzip``.
Targets (issue 17): p95 under 50 ms, under 100 KB a page. The machine's load average is
printed before and after: figures from a busy machine are upper bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import headline
import pages_data

from exchange.db import migrate
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.servers.web import free_port

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "/health"
SEARCHES = {
    "search 학습 (hangul)": "/catalogue?q=%ED%95%99%EC%8A%B5",
    "search 물리학 교과서": "/catalogue?q=%EB%AC%BC%EB%A6%AC%ED%95%99+%EA%B5%90%EA%B3%BC%EC%84%9C",
    "search 학 (1 syllable)": "/catalogue?q=%ED%95%99",
    "search haksup (romanized)": "/catalogue?q=haksup",
    "search linear algebra": "/catalogue?q=linear+algebra",
    "search (all, page 1)": "/catalogue",
}
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="(/[^"]+)"')


async def prepare(url: str, data_dir: Path, works: int, offers: int) -> None:
    runtime = Runtime.start(Settings(data_dir=data_dir, database_url=url))
    try:
        started = time.perf_counter()
        await pages_data.build(runtime, works, offers)
        print(f"  data: {works} works, {offers} offers in {time.perf_counter() - started:.1f} s")
    finally:
        await runtime.close()


@contextmanager
def serving(url: str, data_dir: Path) -> Iterator[str]:
    """``exchange serve`` on a free loopback port, until the block ends."""
    port = free_port()
    environment = os.environ | {
        "EXCHANGE_DATABASE_URL": url,
        "EXCHANGE_DATA_DIR": str(data_dir),
        "EXCHANGE_LOG_LEVEL": "WARNING",
    }
    command = [str(ROOT / ".venv/bin/exchange"), "serve", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(port)], env=environment, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + REFERENCE).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def signed_in(base: str, email: str) -> httpx.Client:
    """A client signed in through the sign-in page (pre-session token, then the cookie)."""
    client = httpx.Client(base_url=base, headers={"Accept-Encoding": "identity"})
    form = client.get("/signin").text
    found = re.search(r'name="presession" value="([^"]*)"', form)
    assert found, "no pre-session token on the sign-in page"
    answer = client.post(
        "/signin",
        data={"email": email, "password": pages_data.PASSWORD, "presession": found[1]},
    )
    assert answer.status_code == 303, answer.text
    return client


def timed(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


ROWS: list[headline.Row] = []  # the figures of the last line


def measure(
    pages: dict[str, tuple[httpx.Client, str]], rounds: int, count: int, where: str
) -> None:
    rows: dict[str, list[tuple[float, float]]] = {name: [] for name in [*pages, REFERENCE]}
    for _ in range(rounds):
        reference: list[float] = []
        for name, (client, path) in pages.items():
            timed(client, path)  # warm: the first ask of a round fills caches
            own = []
            for _ in range(count):
                own.append(timed(client, path))
                reference.append(timed(client, REFERENCE))
            rows[name].append((statistics.median(own), p95(own)))
        rows[REFERENCE].append((statistics.median(reference), p95(reference)))
    ref50 = statistics.median(r[0] for r in rows[REFERENCE])
    ref95 = statistics.median(r[1] for r in rows[REFERENCE])
    print(f"  {'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p50/ref':>8}  target p95 < 50 ms")
    for name, figures in rows.items():
        median50 = statistics.median(f[0] for f in figures)
        median95 = statistics.median(f[1] for f in figures)
        verdict = "" if name == REFERENCE else ("ok" if median95 < 50 else "MISSED")
        print(f"  {name:28} {median50:8.1f} {median95:8.1f} {median50 / ref50:8.1f}  {verdict}")
        if name != REFERENCE:
            ROWS.append(
                headline.Row(f"{name} p95, {where}", median95, "ms", "lower", ref95, "/health p95")
            )


def weight(pages: dict[str, tuple[httpx.Client, str]], where: str) -> None:
    heaviest = 0
    print(f"  {'page':28} {'identity':>10} {'gzip':>10}  (HTML + CSS + JS, bytes on the wire)")
    for name, (client, path) in pages.items():
        sizes = []
        for encoding in ("identity", "gzip"):
            headers = {"Accept-Encoding": encoding}
            page = client.get(path, headers=headers)
            total = page.num_bytes_downloaded
            for asset in sorted(set(ASSET.findall(page.text))):
                total += client.get(asset, headers=headers).num_bytes_downloaded
            sizes.append(total)
        # browsers ask for gzip: that is what travels
        verdict = "ok" if sizes[1] < 100_000 else "OVER 100 KB"
        heaviest = max(heaviest, sizes[1])
        print(f"  {name:28} {sizes[0]:10,} {sizes[1]:10,}  {verdict}")
    ROWS.append(
        headline.Row(f"heaviest page with its CSS and JS, gzip, {where}", heaviest, "bytes")
    )


def run(url: str, work: Path, args: argparse.Namespace) -> None:
    migrate.upgrade(url)
    asyncio.run(prepare(url, work / "data", args.works, args.offers))
    with serving(url, work / "data") as base:
        librarian = signed_in(base, pages_data.LIBRARIAN)
        coordinator = signed_in(base, pages_data.COORDINATOR)
        pages = {
            "dashboard (librarian)": (librarian, "/dashboard"),
            "dashboard (coordinator)": (coordinator, "/dashboard"),
            "matching board": (coordinator, "/board"),
            **{name: (librarian, path) for name, path in SEARCHES.items()},
        }
        where = "postgresql" if url.startswith("postgresql") else "sqlite"
        measure(pages, args.rounds, args.count, where)
        weight(pages, where)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--works", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="--postgres --rounds 3 --count 10")
    args = parser.parse_args()
    if args.quick:
        args.postgres, args.rounds, args.count = True, 3, 10
    print(f"load average before: {os.getloadavg()}, {os.cpu_count()} cores")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        print("SQLite:")
        run(f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}", tmp / "sqlite", args)
        if args.postgres:
            from tests.servers.postgres import running_postgres

            url = stack.enter_context(running_postgres(tmp / "pg"))
            print("PostgreSQL:")
            run(url, tmp / "pg-work", args)
    print(f"load average after: {os.getloadavg()}")
    headline.emit("pages", ROWS)


if __name__ == "__main__":
    main()
