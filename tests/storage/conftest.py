"""Fixtures: a storage backend of each kind, and an HTTP client that reaches its URLs.

Three backends: ``local`` (its URLs served by its Starlette routes through httpx's ASGI
transport), ``moto`` (moto's S3 server on 127.0.0.1, or ``EXCHANGE_TEST_S3_ENDPOINT``)
and ``s3rver`` (npm's s3rver on 127.0.0.1), the two S3 ones over real HTTP. Each test
works under a fresh key prefix, so tests never see each other's objects.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from exchange.pages.storage import routes
from exchange.storage.base import Storage
from exchange.storage.local import LocalStorage
from exchange.storage.s3 import S3Config, S3Storage
from exchange.storage.signed_urls import UrlSigner
from tests.servers.moto import S3Server, running_s3
from tests.servers.s3rver import running_s3rver

SECRET = b"k" * 32
_prefixes = itertools.count()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3() as server:
        yield server


@pytest.fixture(scope="session")
def s3rver_server() -> Iterator[S3Server]:
    with running_s3rver() as server:
        yield server


SERVERS = {"moto": "s3_server", "s3rver": "s3rver_server"}


def s3_config(server: S3Server) -> S3Config:
    return S3Config(
        bucket=server.bucket,
        endpoint_url=server.endpoint,
        region=server.region,
        access_key_id=server.access_key_id,
        secret_access_key=server.secret_access_key,
    )


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def local_storage(tmp_path: Path, clock: FakeClock) -> LocalStorage:
    return LocalStorage(tmp_path / "objects", UrlSigner(SECRET, now=clock))


@dataclass
class Backend:
    name: str
    storage: Storage
    http: httpx.AsyncClient
    prefix: str
    server: S3Server | None = None

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"


@pytest.fixture(params=["local", "moto", "s3rver"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    prefix = f"t{next(_prefixes)}-{datetime.now(UTC):%H%M%S%f}"
    if request.param == "local":
        local: LocalStorage = request.getfixturevalue("local_storage")
        app = Starlette(routes=routes(local))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Backend("local", local, http, prefix)
        return
    server: S3Server = request.getfixturevalue(SERVERS[request.param])
    storage = S3Storage(s3_config(server))
    async with httpx.AsyncClient(timeout=30) as http:
        yield Backend(request.param, storage, http, prefix, server)
    await storage.aclose()
