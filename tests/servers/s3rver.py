"""A second, independent S3 server for the tests: npm's ``s3rver`` run by Debian's nodejs.

``running_s3rver`` starts ``node node_modules/s3rver/bin/s3rver.js`` on a free port of
127.0.0.1 with a fresh temporary data directory, creates the bucket, yields an
``S3Server`` and stops the process (and removes the directory) afterwards. The package is
pinned in the repository's ``package.json``/``package-lock.json``; ``scripts/system.sh``
installs nodejs, npm and ``node_modules`` (``npm ci``).

What s3rver 3.7 checks, read from its ``lib/middleware/authentication.js`` and confirmed
by ``tests/storage/test_servers.py``: the access key id must be ``S3RVER``, and a SigV4
presigned URL is refused once ``X-Amz-Date`` + ``X-Amz-Expires`` has passed; the SigV4
*signature itself is never computed*, so a tampered URL is accepted. It keeps no
checksums (``x-amz-checksum-*`` is ignored), ignores the ETags listed in a completion,
and has neither ListParts, ListMultipartUploads nor AbortMultipartUpload.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers.moto import BUCKET, S3Server, create_bucket

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "node_modules" / "s3rver" / "bin" / "s3rver.js"
ACCESS_KEY_ID = SECRET_ACCESS_KEY = "S3RVER"  # the one account s3rver knows
BANNER = "S3rver listening on "
START_SECONDS = 30


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None or not SCRIPT.is_file():
        raise RuntimeError(
            "s3rver needs Debian's nodejs and `npm ci` in the repository root "
            "(scripts/system.sh does both)."
        )
    return node


def _read_port(process: subprocess.Popen[str]) -> int:
    """The port from s3rver's banner line ``S3rver listening on 127.0.0.1:PORT``."""
    assert process.stdout is not None
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise RuntimeError(f"s3rver exited with {process.returncode} before listening")
        if line.startswith(BANNER):
            return int(line.rsplit(":", 1)[1])
    raise RuntimeError(f"s3rver did not listen within {START_SECONDS} s")


@contextmanager
def running_s3rver(bucket: str = BUCKET) -> Iterator[S3Server]:
    """A fresh s3rver on 127.0.0.1 (free port, temporary directory) with ``bucket``."""
    directory = tempfile.mkdtemp(prefix="s3rver-")
    argv = [_node(), str(SCRIPT), "--directory", directory, "--address", "127.0.0.1"]
    process = subprocess.Popen(
        [*argv, "--port", "0", "--silent", "--no-vhost-buckets"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NODE_ENV": "production"},
    )
    try:
        port = _read_port(process)
        server = S3Server(
            f"http://127.0.0.1:{port}",
            bucket,
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            data_dir=Path(directory),
        )
        create_bucket(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(directory, ignore_errors=True)


def open_upload_ids(server: S3Server, prefix: str = "") -> list[str]:
    """The multipart uploads s3rver still keeps for keys under ``prefix``, read from its
    data directory (``<bucket>/._S3rver_uploads/<id>/key``): it has no
    ListMultipartUploads to ask."""
    assert server.data_dir is not None
    base = server.data_dir / server.bucket / "._S3rver_uploads"
    found = []
    for directory in sorted(base.iterdir()) if base.is_dir() else []:
        marker = directory / "key"
        if not marker.is_file() or marker.read_text("utf-8").startswith(prefix):
            found.append(directory.name)
    return found
