"""Hostile requests against a running server while a second client measures ``/health``.

Starts ``exchange serve`` (uvicorn, one process) on 127.0.0.1 with a fresh data directory,
or uses ``--url``. Each phase runs for ``--seconds``: one prober process sends ``GET
/health`` one after another and records each latency, while ``--attackers`` concurrent
clients in this process repeat one attack:

- ``fragments``: 30 named fragments, each spreading the next one twice (2**29 fields);
- ``aliases``: 600 aliases of one field;
- ``directives``: 250 ``@include`` on one field;
- ``duplicates``: one field selected 600 times (quadratic in graphql-core's validation);
- ``body-declared``: 10 MiB declared in Content-Length;
- ``body-chunked``: 10 MiB streamed without a length;
- ``whitespace-1mib``: a query padded with whitespace to just under the 1 MiB body limit;
- ``whitespace-32k``: padded to just under the longest query text accepted (32,000
  characters), a new text each time so that no cache helps: the most parsing work a
  request can ask for.

    .venv/bin/python bench/hostile.py [--seconds 10] [--attackers 4] [--url http://127.0.0.1:8000]
    .venv/bin/python bench/hostile.py --quick   (3 s per phase)

Prints, per phase, /health p50/p99/max and what the attackers got (status codes, rate).
Target: /health p99 under 100 ms in every phase.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import headline
import httpx

MiB = 1 << 20


def doubling(fragments: int) -> str:
    parts = ["query Q { viewer { ...F0 } }"]
    for i in range(fragments):
        body = f"...F{i + 1} ...F{i + 1}" if i < fragments - 1 else "anonymous"
        parts.append(f"fragment F{i} on Viewer {{ {body} }}")
    return "\n".join(parts)


def query(text: str) -> dict[str, Any]:
    return {"content": json.dumps({"query": text}).encode()}


async def _chunks(total: int) -> AsyncIterator[bytes]:
    yield b'{"query": "{ viewer { anonymous } }", "pad": "'
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536
    yield b'"}'


def attacks() -> dict[str, Callable[[int], dict[str, Any]]]:
    fragments = doubling(30)
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(600)) + " }"
    directives = "{ viewer { anonymous " + "@include(if: true) " * 250 + "} }"
    duplicates = "{ " + " ".join(["__typename"] * 600) + " }"
    ten = b"{" + b" " * (10 * MiB) + b"}"
    return {
        "fragments": lambda _n: query(fragments),
        "aliases": lambda _n: query(aliases),
        "directives": lambda _n: query(directives),
        "duplicates": lambda _n: query(duplicates),
        "body-declared": lambda _n: {"content": ten},
        "body-chunked": lambda _n: {"stream": 10 * MiB},
        "whitespace-1mib": lambda n: query(
            "{ viewer { anonymous } }" + " " * (MiB - 200 - len(str(n))) + f"#{n}"
        ),
        "whitespace-32k": lambda n: query(
            "{ viewer { anonymous } }" + " " * (31_900 - len(str(n))) + f"#{n}"
        ),
    }


def probe(url: str, seconds: float, out: Any) -> None:
    """In its own process: GET /health back to back for ``seconds``; sends the latencies."""
    latencies: list[float] = []
    errors = 0
    with httpx.Client(base_url=url, timeout=30) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                ok = client.get("/health").status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok
            time.sleep(0.005)
    out.send((latencies, errors))


async def attacker(
    url: str, make: Callable[[int], dict[str, Any]], stop: float, codes: collections.Counter[str]
) -> None:
    n = 0
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.perf_counter() < stop:
            n += 1
            spec = make(n)
            headers = {"Content-Type": "application/json"}
            try:
                if "stream" in spec:
                    response = await client.post(
                        "/graphql", content=_chunks(spec["stream"]), headers=headers
                    )
                else:
                    response = await client.post(
                        "/graphql", content=spec["content"], headers=headers
                    )
                body = response.json()
                code = (body.get("errors") or [{}])[0].get("extensions", {}).get("code", "-")
                codes[f"{response.status_code} {code}"] += 1
            except (httpx.HTTPError, ValueError) as error:
                codes[type(error).__name__] += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def phase(url: str, name: str, seconds: float, attackers: int) -> float:
    """The phase's /health p99 in ms (and its line printed)."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    prober = multiprocessing.get_context("spawn").Process(target=probe, args=(url, seconds, sender))
    prober.start()
    codes: collections.Counter[str] = collections.Counter()
    make = attacks().get(name)
    if make is not None:
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(attacker(url, make, stop, codes) for _ in range(attackers)))
    latencies, errors = await asyncio.to_thread(receiver.recv)
    prober.join()
    ms = [x * 1000 for x in latencies]
    sent = sum(codes.values())
    print(
        f"{name:14} health n={len(ms):5} p50={statistics.median(ms):6.1f} ms "
        f"p99={percentile(ms, 0.99):6.1f} ms max={max(ms):7.1f} ms failed={errors} | "
        f"attacks {sent} ({sent / seconds:.0f}/s): "
        + ", ".join(f"{k} x{v}" for k, v in codes.most_common()),
        flush=True,
    )
    return percentile(ms, 0.99)


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port: int = probe_socket.getsockname()[1]
        return port


@contextlib.contextmanager
def server() -> Iterator[str]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "EXCHANGE_DATA_DIR": data, "EXCHANGE_LOG_LEVEL": "WARNING"}
        exchange = Path(sys.executable).with_name("exchange")
        process = subprocess.Popen(
            [str(exchange), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url + "/health").status_code == 200:
                        break
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


async def run(url: str, seconds: float, attackers: int) -> None:
    p99 = {name: await phase(url, name, seconds, attackers) for name in ["baseline", *attacks()]}
    worst = max((name for name in p99 if name != "baseline"), key=p99.__getitem__)
    row = headline.Row(
        f"/health p99 under the worst attack ({worst}, {attackers} attackers; target < 100 ms)",
        p99[worst], "ms", "lower", p99["baseline"], "/health p99 without attack",
    )  # fmt: skip
    headline.emit("hostile", [row])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--quick", action="store_true", help="3 s per phase")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 3.0
    if args.url:
        asyncio.run(run(args.url.rstrip("/"), args.seconds, args.attackers))
        return
    with server() as url:
        asyncio.run(run(url, args.seconds, args.attackers))


if __name__ == "__main__":
    main()
