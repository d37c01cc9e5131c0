"""Benchmark of the storage layer: moving a large file through presigned URLs versus raw
boto3 against the same S3 server in the same run, and through the local backend's signed
URLs served by uvicorn.

    .venv/bin/python bench/storage_transfer.py [--size-mib 256] [--part-mib 64] [--parallel 4]
                                               [--repeat 3] [--quick]

``--quick``: 64 MiB in parts of 16 MiB, once each.

moto and uvicorn run in child processes on 127.0.0.1, so the figures for this process are
those of the client and the application code (presigning, verification); the peak RSS of
each server process is reported apart. Throughput is MiB/s of the file size over wall time;
each S3 transfer runs ``--repeat`` times and its median is reported (the peak RSS is the
highest of the runs).

Multipart uploads are timed in two phases, for boto3 and for the presigned client alike:
the parts (the bytes on the wire) and CompleteMultipartUpload. moto completes an upload
by concatenating every part in memory, which costs seconds for 256 MiB and varies a lot
from run to run; a real S3 server joins parts without copying them. The ratio of the
parts' phase is the fair comparison of the transfer itself; the ratio of the totals is
printed too. The default part size is the one the service hands out (``UploadLimits``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import boto3
import httpx
from anyio import to_thread
from boto3.s3.transfer import TransferConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import headline

from exchange.objects.uploads import UploadLimits
from exchange.storage.base import Part
from exchange.storage.local import LocalStorage
from exchange.storage.s3 import S3Config, S3Storage
from exchange.storage.signed_urls import UrlSigner

MIB = 1024 * 1024
CHUNK = MIB
UPLOAD_READ = MIB  # the client's reads for an upload; 8 MiB was no faster, +60 MiB RSS
BUCKET = "bench"
HOUR = timedelta(hours=1)
SECRET_ENV = "BENCH_URL_SIGNING_KEY"

MOTO_CHILD = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.WARNING)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


# -- memory ----------------------------------------------------------------------------------


def reset_peak_rss() -> None:
    """Start a new peak-RSS window for this process (Linux ≥ 4.0; else the run's peak)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- child servers -------------------------------------------------------------------------


@dataclass
class Child:
    process: subprocess.Popen[str]
    port: int

    def peak_rss_mib(self) -> float:
        return peak_rss_mib(self.process.pid)

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def start_moto() -> Child:
    process = subprocess.Popen(
        [sys.executable, "-c", MOTO_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return Child(process, int(process.stdout.readline()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_local_server(root: Path, secret: bytes) -> Child:
    port = free_port()
    env = {**os.environ, SECRET_ENV: secret.hex()}
    argv = [sys.executable, __file__, "--serve-local", str(root), "--port", str(port)]
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return Child(process, port)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the local storage server did not start")


def serve_local(root: Path, port: int) -> None:
    """The child process: local storage routes under uvicorn on 127.0.0.1."""
    import uvicorn
    from starlette.applications import Starlette

    from exchange.pages.storage import routes

    storage = LocalStorage(root, UrlSigner(bytes.fromhex(os.environ[SECRET_ENV])))
    app = Starlette(routes=routes(storage))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# -- transfers -----------------------------------------------------------------------------


async def file_chunks(
    path: Path, offset: int = 0, length: int | None = None, read_size: int = UPLOAD_READ
) -> AsyncIterator[bytes]:
    """``length`` bytes of ``path`` from ``offset``, read in ``read_size`` chunks off the
    event loop (memory: one chunk per stream)."""
    remaining = path.stat().st_size - offset if length is None else length
    handle = await to_thread.run_sync(path.open, "rb")
    try:
        await to_thread.run_sync(handle.seek, offset)
        while remaining > 0:
            chunk = await to_thread.run_sync(handle.read, min(read_size, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


async def download_to(http: httpx.AsyncClient, url: str, target: Path) -> None:
    async with http.stream("GET", url) as response:
        response.raise_for_status()
        handle = await to_thread.run_sync(target.open, "wb")
        try:
            async for chunk in response.aiter_bytes(CHUNK):
                await to_thread.run_sync(handle.write, chunk)
        finally:
            handle.close()


async def upload_single(
    http: httpx.AsyncClient, storage: S3Storage | LocalStorage, key: str, path: Path, sha: str
) -> None:
    ticket = await storage.presign_upload(key, size=path.stat().st_size, sha256=sha, expires=HOUR)
    response = await http.request(
        ticket.method, ticket.url, content=file_chunks(path), headers=dict(ticket.headers)
    )
    response.raise_for_status()


@dataclass
class Phases:
    """Seconds of a multipart upload's two phases (also of boto3's ``upload_file``)."""

    parts: float = 0.0
    complete: float = 0.0


async def upload_multipart(
    http: httpx.AsyncClient,
    storage: S3Storage | LocalStorage,
    key: str,
    path: Path,
    part_size: int,
    parallel: int,
) -> Phases:
    """What a well-behaved client does with the part URLs the service hands out: every
    URL presigned up front (``begin_upload`` returns them all), then at most ``parallel``
    part PUTs at a time over the one shared client's keep-alive connections, each part
    streamed from the file in large reads; the parts' ETags go to the completion."""
    started = time.perf_counter()
    size = path.stat().st_size
    upload_id = await storage.start_multipart(key)
    offsets = list(enumerate(range(0, size, part_size), start=1))
    urls = {
        number: await storage.presign_part(key, upload_id, number, expires=HOUR)
        for number, _ in offsets
    }
    parts: list[Part] = []
    limiter = anyio.CapacityLimiter(parallel)

    async def send(number: int, offset: int) -> None:
        async with limiter:
            length = min(part_size, size - offset)
            response = await http.put(
                urls[number],
                content=file_chunks(path, offset, length),
                headers={"Content-Length": str(length)},
            )
            response.raise_for_status()
            parts.append(Part(number, response.headers["etag"]))

    async with anyio.create_task_group() as group:
        for number, offset in offsets:
            group.start_soon(send, number, offset)
    completing = time.perf_counter()
    await storage.complete_multipart(key, upload_id, parts)
    return Phases(completing - started, time.perf_counter() - completing)


def boto3_upload(raw: Any, source: Path, key: str, transfer: TransferConfig) -> Phases:
    """``upload_file``, its CompleteMultipartUpload timed apart with botocore's events."""
    marks: dict[str, float] = {}

    def before(**_: Any) -> None:
        marks["complete"] = time.perf_counter()

    events = raw.meta.events
    events.register("before-call.s3.CompleteMultipartUpload", before, unique_id="bench")
    try:
        started = time.perf_counter()
        raw.upload_file(str(source), BUCKET, key, Config=transfer)
        ended = time.perf_counter()
    finally:
        events.unregister("before-call.s3.CompleteMultipartUpload", unique_id="bench")
    completing = marks.get("complete", ended)  # a single PUT has no completion
    return Phases(completing - started, ended - completing)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def make_file(path: Path, size_mib: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(size_mib):
            chunk = os.urandom(MIB)
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


# -- the run -------------------------------------------------------------------------------

Action = Callable[[], Awaitable[Phases | None]]


@dataclass
class Result:
    name: str
    seconds: float  # the median of the runs
    peak_rss_mib: float  # the highest of the runs
    phases: Phases | None = None  # the medians of a multipart upload's phases


async def measure(name: str, size_mib: int, action: Action, repeat: int = 1) -> Result:
    seconds: list[float] = []
    peaks: list[float] = []
    phases: list[Phases] = []
    for _ in range(repeat):
        reset_peak_rss()
        started = time.perf_counter()
        split = await action()
        seconds.append(time.perf_counter() - started)
        peaks.append(peak_rss_mib())
        if split is not None:
            phases.append(split)
    median = statistics.median(seconds)
    result = Result(name, median, max(peaks))
    line = f"  {name:<42} {size_mib / median:8.1f} MiB/s  {median:6.2f} s"
    if phases:
        result.phases = Phases(
            statistics.median(p.parts for p in phases),
            statistics.median(p.complete for p in phases),
        )
        line += (
            f"  (parts {size_mib / result.phases.parts:6.1f} MiB/s {result.phases.parts:5.2f} s"
            f" + complete {result.phases.complete:5.2f} s)"
        )
    print(line, flush=True)
    return result


async def run(args: argparse.Namespace) -> None:
    size_mib: int = args.size_mib
    repeat: int = args.repeat
    work = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    source = work / "source.bin"
    sha = await to_thread.run_sync(make_file, source, size_mib)
    print(
        f"file: {size_mib} MiB, sha256 {sha[:16]}…; rss before transfers {peak_rss_mib():.0f} MiB;"
        f" median of {repeat} run(s)"
    )

    moto = start_moto()
    endpoint = f"http://127.0.0.1:{moto.port}"
    config = S3Config(BUCKET, endpoint, access_key_id="bench", secret_access_key="bench")
    storage = S3Storage(config)
    raw = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    raw.create_bucket(Bucket=BUCKET)
    transfer = TransferConfig()  # boto3's defaults: 8 MiB parts, 10 threads
    results: dict[str, Result] = {}
    # one client for every transfer: keep-alive connections, enough for every part at once
    limits = httpx.Limits(max_connections=max(args.parallel, 10), max_keepalive_connections=None)

    def verified(key: str) -> Action:
        async def check() -> None:
            digest = await storage.digest(key)
            assert (digest.size, digest.sha256) == (size_mib * MIB, sha), "integrity lost"

        return check

    def same_file(path: Path) -> None:
        assert sha256_of(path) == sha, f"{path.name} differs from the source"

    upload_multi = f"presigned multipart ({args.part_mib} MiB × {args.parallel})"
    try:
        async with httpx.AsyncClient(timeout=120, limits=limits) as http:
            print("S3 (moto) on 127.0.0.1:")
            moto_runs: list[tuple[str, Action, int]] = [
                (
                    "boto3 upload_file",
                    lambda: to_thread.run_sync(boto3_upload, raw, source, "raw", transfer),
                    repeat,
                ),
                (
                    "presigned PUT (single stream)",
                    lambda: upload_single(http, storage, "single", source, sha),
                    repeat,
                ),
                (
                    upload_multi,
                    lambda: upload_multipart(
                        http, storage, "multi", source, args.part_mib * MIB, args.parallel
                    ),
                    repeat,
                ),
                ("app verification: digest of stored object", verified("multi"), 1),
                (
                    "boto3 download_file",
                    lambda: to_thread.run_sync(
                        lambda: raw.download_file(
                            BUCKET, "raw", str(work / "raw.out"), Config=transfer
                        )
                    ),
                    repeat,
                ),
                (
                    "presigned GET (httpx stream)",
                    lambda: _presigned_get(http, storage, "single", work / "presigned.out"),
                    repeat,
                ),
            ]
            for label, one, times in moto_runs:
                results[label] = await measure(label, size_mib, one, times)
            same_file(work / "raw.out")
            same_file(work / "presigned.out")
            moto_rss = moto.peak_rss_mib()

            root = work / "local"
            secret = secrets.token_bytes(32)
            server = start_local_server(root, secret)
            try:
                local = LocalStorage(
                    root, UrlSigner(secret), url_prefix=f"http://127.0.0.1:{server.port}/storage"
                )
                print("local backend, signed URLs served by uvicorn on 127.0.0.1:")
                local_runs: list[tuple[str, Action]] = [
                    (
                        "local signed PUT",
                        lambda: upload_single(http, local, "objects/a", source, sha),
                    ),
                    (
                        "local signed GET",
                        lambda: _presigned_get(http, local, "objects/a", work / "local.out"),
                    ),
                ]
                for label, one in local_runs:
                    results[label] = await measure(label, size_mib, one)
                same_file(work / "local.out")
                local_rss = server.peak_rss_mib()
            finally:
                server.stop()
    finally:
        moto.stop()
        raw.close()
        await storage.aclose()
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()

    def ratio(ours: float, theirs: float) -> str:
        return f"{theirs / ours * 100:5.1f} %"

    def total(label: str) -> float:
        return results[label].seconds

    def parts(label: str) -> float:
        phases = results[label].phases
        return results[label].seconds if phases is None else phases.parts

    print("\nthroughput relative to raw boto3 (higher is better, target >= 90 %):")
    boto3_up = "boto3 upload_file"
    for label, ours, theirs in [
        (
            "presigned PUT single / boto3 upload_file",
            total("presigned PUT (single stream)"),
            total(boto3_up),
        ),
        ("presigned multipart / boto3 upload_file", total(upload_multi), total(boto3_up)),
        ("  parts only (without moto's completion)", parts(upload_multi), parts(boto3_up)),
        (
            "presigned GET / boto3 download_file",
            total("presigned GET (httpx stream)"),
            total("boto3 download_file"),
        ),
    ]:
        print(f"  {label:<42} {ratio(ours, theirs)}")
    print("\npeak RSS (MiB):")
    for result in results.values():
        print(f"  bench process during {result.name:<42} {result.peak_rss_mib:7.0f}")
    print(f"  moto server process (holds the objects)              {moto_rss:7.0f}")
    print(f"  uvicorn process serving local signed URLs            {local_rss:7.0f}")
    rows = [
        (
            "presigned PUT, single stream",
            total("presigned PUT (single stream)"),
            total(boto3_up),
            "boto3 upload_file",
        ),
        (
            "presigned multipart, parts only",
            parts(upload_multi),
            parts(boto3_up),
            "boto3 upload_file, parts only",
        ),
        (
            "presigned GET",
            total("presigned GET (httpx stream)"),
            total("boto3 download_file"),
            "boto3 download_file",
        ),
    ]
    headline.emit(
        "storage_transfer",
        [
            headline.Row(
                f"{what}, {size_mib} MiB on moto",
                size_mib / ours,
                "MiB/s",
                "higher",
                size_mib / theirs,
                reference,
            )
            for what, ours, theirs, reference in rows
        ],
    )


async def _presigned_get(
    http: httpx.AsyncClient, storage: S3Storage | LocalStorage, key: str, target: Path
) -> None:
    url = await storage.presign_download(key, expires=HOUR)
    await download_to(http, url, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--part-mib", type=int, default=UploadLimits().part_size // MIB)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve-local", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="64 MiB, 16 MiB parts, once")
    args = parser.parse_args()
    if args.quick:
        args.size_mib, args.part_mib, args.repeat = 64, 16, 1
    if args.serve_local is not None:
        serve_local(args.serve_local, args.port)
        return
    anyio.run(run, args)


if __name__ == "__main__":
    main()
