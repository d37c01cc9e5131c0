"""Start-up and memory of ``exchange serve`` against a raw Starlette app, interleaved.

    .venv/bin/python bench/startup.py [--rounds 5] [--requests 1000] [--quick]
                                      [--exchange PATH]

``--exchange`` starts another ``exchange`` executable (e.g. one that imports an older
checkout) in place of this virtual environment's.

Each round starts, one after the other, (a) ``exchange serve`` (no ``--demo``) on a data
directory migrated beforehand, and (b) the reference: a Starlette app whose one route,
``/health``, runs ``SELECT 1`` on the same SQLite file through SQLAlchemy's async engine,
under ``uvicorn.run`` with the same defaults and log level. For each it measures:

- seconds from spawning the process to the first 200 from ``/health`` (wall, and the CPU
  seconds the server spent until then: the figure a busy machine does not inflate);
- resident memory (``VmRSS``) once it answers (idle), and after ``--requests`` sequential
  ``GET /health`` on one keep-alive connection; and after one GraphQL request and one page
  (``exchange serve`` builds its GraphQL endpoint and loads Jinja and Babel on first use;
  the reference answers those two with 404).

The package's bytecode is written first (``compileall``), as ``scripts/start.sh`` does:
where PYTHONDONTWRITEBYTECODE is set, every start would otherwise compile ~200 modules,
which the reference (all in site-packages, compiled at install) never does.

Prints the medians, the ratios (ours / reference) and, last, the JSON line of
``bench/headline.py``. ``bench/restart.py`` measures ``scripts/start.sh`` as a whole.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import headline

ROOT = Path(__file__).resolve().parents[1]
EXCHANGE = Path(sys.executable).parent / "exchange"
TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Start:
    wall_s: float
    cpu_s: float
    idle_mib: float
    busy_mib: float
    used_mib: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def rss_mib(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) * 1024 / MIB
    raise RuntimeError("no VmRSS")


def hammer(port: int, requests: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(requests):
            connection.request("GET", "/health")
            reply = connection.getresponse()
            reply.read()
            assert reply.status == 200, reply.status
    finally:
        connection.close()


def first_uses(port: int) -> None:
    """One GraphQL request and one page: what ``serve`` builds on first use."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = b'{"query": "{ __typename }"}'
        connection.request("POST", "/graphql", body, {"Content-Type": "application/json"})
        connection.getresponse().read()
        connection.request("GET", "/", headers={"Accept-Language": "ko"})
        connection.getresponse().read()
    finally:
        connection.close()


def measure(command: list[str], env: dict[str, str], port: int, requests: int) -> Start:
    began = time.perf_counter()
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not health(port):
            if server.poll() is not None:
                raise SystemExit(f"{command} exited with {server.returncode}")
            time.sleep(0.01)
        wall = time.perf_counter() - began
        cpu = cpu_seconds(server.pid)
        time.sleep(0.5)  # let it settle: idle
        idle = rss_mib(server.pid)
        hammer(port, requests)
        busy = rss_mib(server.pid)
        first_uses(port)
        used = rss_mib(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return Start(wall, cpu, idle, busy, used)


def serve_reference(port: int, database_url: str) -> None:
    """The reference server: what any app needs to answer the same health check."""
    import uvicorn
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    engine = create_async_engine(database_url)

    async def endpoint(_request: Request) -> JSONResponse:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[Route("/health", endpoint)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")


def median(starts: list[Start], field: str) -> float:
    return float(statistics.median(getattr(start, field) for start in starts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--exchange", type=Path, default=EXCHANGE, help="the command to start")
    parser.add_argument("--reference", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference:
        serve_reference(args.reference, args.database_url)
        return
    rounds = 3 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        env = {**os.environ, "EXCHANGE_DATA_DIR": str(data_dir), "EXCHANGE_LOG_LEVEL": "INFO"}
        env.pop("EXCHANGE_DATABASE_URL", None)
        subprocess.run([args.exchange, "db", "upgrade"], env=env, check=True, capture_output=True)
        packages = {ROOT / "exchange", args.exchange.parent / "exchange"}  # with --exchange
        compileall = [sys.executable, "-m", "compileall", "-q"]
        compileall += [str(package) for package in packages if package.is_dir()]
        subprocess.run(compileall, check=True, capture_output=True)
        url = f"sqlite+aiosqlite:///{(data_dir / 'exchange.sqlite3').resolve()}"
        ours: list[Start] = []
        raw: list[Start] = []
        for n in range(rounds):
            port = free_port()
            ours.append(
                measure(
                    [str(args.exchange), "serve", "--port", str(port)], env, port, args.requests
                )
            )
            port = free_port()
            command = [sys.executable, __file__, "--reference", str(port), "--database-url", url]
            raw.append(measure(command, env, port, args.requests))
            print(f"round {n + 1}: exchange serve {ours[-1]}; raw app {raw[-1]}", flush=True)
    rows = [
        headline.Row(
            "serve to first /health, wall",
            median(ours, "wall_s"),
            "s",
            "lower",
            median(raw, "wall_s"),
            "raw Starlette app, uvicorn",
        ),
        headline.Row(
            "serve to first /health, CPU",
            median(ours, "cpu_s"),
            "s",
            "lower",
            median(raw, "cpu_s"),
            "raw Starlette app, uvicorn",
        ),
        headline.Row(
            "resident memory idle",
            median(ours, "idle_mib"),
            "MiB",
            "lower",
            median(raw, "idle_mib"),
            "raw Starlette app, uvicorn",
        ),
        headline.Row(
            f"resident memory after {args.requests} requests",
            median(ours, "busy_mib"),
            "MiB",
            "lower",
            median(raw, "busy_mib"),
            "raw Starlette app, uvicorn",
        ),
        headline.Row(
            "resident memory after a first GraphQL request and page",
            median(ours, "used_mib"),
            "MiB",
            "lower",
            median(raw, "used_mib"),
            "raw Starlette app, uvicorn (answers 404)",
        ),
    ]
    for row in rows:
        print(
            f"{row.what}: {row.figure:.2f} {row.unit}; raw app {row.reference:.2f} {row.unit}; ratio {row.ratio}"
        )
    headline.emit("startup", rows)


if __name__ == "__main__":
    main()
