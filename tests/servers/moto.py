"""A throwaway S3 server for the tests: moto's standalone server on 127.0.0.1.

``running_s3`` starts ``ThreadedMotoServer`` on a free port of 127.0.0.1, creates a
bucket and yields an ``S3Server`` (endpoint, bucket, credentials); the server is stopped
afterwards. ``S3Server.stop`` stops it early, for tests of a server that goes away.
moto binds 0.0.0.0 unless told otherwise, so the address is always given. It checks no
presigned signature, expiry, signed header or checksum (``tests/storage/test_servers.py``
and the contract tests assert what it does), so no test relies on it refusing anything.

Set ``EXCHANGE_TEST_S3_ENDPOINT`` (with ``EXCHANGE_TEST_S3_BUCKET``,
``EXCHANGE_TEST_S3_ACCESS_KEY_ID``, ``EXCHANGE_TEST_S3_SECRET_ACCESS_KEY`` and optionally
``EXCHANGE_TEST_S3_REGION``) to run against an existing server and bucket instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

ENV_ENDPOINT = "EXCHANGE_TEST_S3_ENDPOINT"
BUCKET = "exchange-test"
REGION = "us-east-1"
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"  # moto accepts any credentials


@dataclass
class S3Server:
    endpoint: str
    bucket: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str = REGION
    _server: ThreadedMotoServer | None = field(default=None, repr=False)
    data_dir: Path | None = None  # where a server of ours keeps its files (s3rver)

    @property
    def stoppable(self) -> bool:
        return self._server is not None

    def stop(self) -> None:
        """Stop the server now; its port refuses connections from here on."""
        if self._server is not None:
            server, self._server = self._server, None
            server.stop()


def external(environ: Mapping[str, str]) -> S3Server | None:
    """The server named by ``EXCHANGE_TEST_S3_*``, if any."""
    endpoint = environ.get(ENV_ENDPOINT)
    if not endpoint:
        return None
    return S3Server(
        endpoint=endpoint,
        bucket=environ.get("EXCHANGE_TEST_S3_BUCKET", BUCKET),
        access_key_id=environ.get("EXCHANGE_TEST_S3_ACCESS_KEY_ID", ACCESS_KEY_ID),
        secret_access_key=environ.get("EXCHANGE_TEST_S3_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        region=environ.get("EXCHANGE_TEST_S3_REGION", REGION),
    )


def create_bucket(server: S3Server) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name=server.region,
        aws_access_key_id=server.access_key_id,
        aws_secret_access_key=server.secret_access_key,
    )
    try:
        client.create_bucket(Bucket=server.bucket)
    finally:
        client.close()


@contextmanager
def running_moto(bucket: str = BUCKET) -> Iterator[S3Server]:
    """A fresh moto server on 127.0.0.1 with ``bucket`` created."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3Server(f"http://{host}:{port}", bucket, ACCESS_KEY_ID, SECRET_ACCESS_KEY, _server=server)
    try:
        create_bucket(s3)
        yield s3
    finally:
        s3.stop()


@contextmanager
def running_s3(environ: Mapping[str, str] | None = None) -> Iterator[S3Server]:
    """The external server when configured, else a moto server of our own."""
    configured = external(os.environ if environ is None else environ)
    if configured is not None:
        yield configured
        return
    with running_moto() as server:
        yield server
