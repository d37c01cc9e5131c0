"""Fixtures for digital objects: the scene, S3 servers, a plain HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from exchange.runtime import Runtime
from tests.conftest import World
from tests.objects.scene import Scene, build_scene
from tests.servers.moto import S3Server, running_moto, running_s3
from tests.servers.s3rver import running_s3rver


@pytest.fixture
async def scene(runtime: Runtime, world: World) -> Scene:
    return await build_scene(runtime, world)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3() as server:
        yield server


@pytest.fixture(scope="session")
def s3rver_server() -> Iterator[S3Server]:
    with running_s3rver() as server:
        yield server


@pytest.fixture
def moto_server() -> Iterator[S3Server]:
    """A moto server of this test's own, which the test may stop."""
    with running_moto() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
