"""Memory and speed of a file posted with the upload form (no JavaScript): the multipart body
parsed as it arrives (``pages.form_stream``), spooled while hashed (``objects.receiving``)
and streamed into local storage, as the page does.

    .venv/bin/python bench/form_upload.py [--mib 256]

Prints the throughput and the peak of Python allocations (tracemalloc) while a body of
``--mib`` MiB arrives in 64 KiB messages, as uvicorn delivers it: the peak stays near
one chunk whatever the file's size.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.requests import Request
from starlette.types import Message

from exchange.objects import receiving
from exchange.pages.form_stream import FormStream
from exchange.storage.local import LocalStorage
from exchange.storage.signed_urls import UrlSigner

CHUNK = 64 * 1024
BOUNDARY = "----bench0123456789"


def _request(mib: int) -> tuple[Request, str]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\ntoken\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    block = bytes(range(256)) * (CHUNK // 256)
    digest = hashlib.sha256()
    for _ in range(mib * 16):
        digest.update(block)

    async def messages() -> AsyncIterator[Message]:
        yield {"type": "http.request", "body": head, "more_body": True}
        for _ in range(mib * 16):
            yield {"type": "http.request", "body": block, "more_body": True}
        yield {"type": "http.request", "body": tail, "more_body": False}

    stream = messages()

    async def receive() -> Message:
        return await stream.__anext__()

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/uploads/file",
        "headers": [
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
        ],
    }
    return Request(scope, receive), digest.hexdigest()


async def main(mib: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        storage = LocalStorage(root / "objects", UrlSigner(b"k" * 32))
        request, expected = _request(mib)
        tracemalloc.start()
        started = time.perf_counter()
        form = FormStream(request)
        fields = await form.read_fields()
        spooled = await receiving.spool(form.file_chunks(), root / "spool", 1 << 40)
        stored = await storage.put(
            "objects/bench",
            receiving._read(spooled.path),
            expected_size=spooled.size,
            expected_sha256=spooled.sha256,
        )
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert fields == {"csrf": "token"}
    assert (stored.size, stored.sha256) == (mib * 1024 * 1024, expected)
    print(f"file: {mib} MiB posted in {CHUNK // 1024} KiB messages")
    print(f"parse + spool + store: {elapsed:.2f} s ({mib / elapsed:.0f} MiB/s)")
    print(f"peak Python allocations: {peak / 1024 / 1024:.2f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=256)
    asyncio.run(main(parser.parse_args().mib))
