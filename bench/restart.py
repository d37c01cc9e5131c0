"""Start-up benchmark: seconds from ``bash scripts/start.sh`` to a server that answers.

    .venv/bin/python bench/restart.py [--restarts 3] [--quick]

Runs the start script against a fresh data directory (the first start: migrations, demo
data, tokens; pip only if ``pyproject.toml`` changed since the last install), then restarts
it ``--restarts`` times with nothing changed, and prints each start's seconds until
``GET /graphql`` answers. The server is stopped after each start.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import headline

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as reply:
            return bool(reply.status == 200)
    except urllib.error.HTTPError:
        return True  # an HTTP answer, whatever it says, is a server that is up
    except OSError:
        return False


def start_once(data_dir: Path) -> tuple[float, float]:
    """(wall seconds until the server answers, CPU seconds the start spent meanwhile)."""
    port = free_port()
    env = {**os.environ, "EXCHANGE_DATA_DIR": str(data_dir), "EXCHANGE_PORT": str(port)}
    env.pop("EXCHANGE_DATABASE_URL", None)
    began = time.perf_counter()
    cpu_before = _children_cpu()
    server = subprocess.Popen(
        ["bash", "scripts/start.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not answers(port):
            if server.poll() is not None:
                raise SystemExit(f"start.sh exited with {server.returncode}")
            time.sleep(0.05)
        wall = time.perf_counter() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    # CPU of the whole start (counted once the server has exited), the figure that a busy
    # machine does not inflate; it includes the few ms of shutting down.
    return wall, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the same (it is quick)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        first_wall, first_cpu = start_once(data_dir)
        print(f"first start (fresh data dir): {first_wall:.2f} s wall, {first_cpu:.2f} s CPU")
        restarts = []
        for n in range(1, args.restarts + 1):
            wall, cpu = start_once(data_dir)
            restarts.append((wall, cpu))
            print(f"restart {n} (nothing changed): {wall:.2f} s wall, {cpu:.2f} s CPU")
    wall, cpu = sorted(restarts)[len(restarts) // 2]
    headline.emit(
        "restart",
        [
            headline.Row(
                "scripts/start.sh, first start on a fresh data dir, wall", first_wall, "s"
            ),
            headline.Row("the same, CPU", first_cpu, "s"),
            headline.Row("restart with nothing changed (median), wall", wall, "s"),
            headline.Row("the same, CPU", cpu, "s"),
        ],
    )


if __name__ == "__main__":
    main()
