"""``Deferred``: an ASGI app built by its first request, once, and rebuilt after a failure."""

from __future__ import annotations

import threading

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from exchange.http.deferred import Deferred


class Builds:
    def __init__(self, failures: int = 0) -> None:
        self.count = 0
        self.failures = failures

    def __call__(self) -> ASGIApp:
        self.count += 1
        if self.count <= self.failures:
            raise RuntimeError(f"build {self.count} failed")

        async def answer(request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"built {self.count}: {request.url.path}")

        return Starlette(routes=[Route("/thing", answer)])


def client(app: ASGIApp) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_nothing_is_built_before_the_first_request_and_then_once() -> None:
    builds = Builds()
    deferred = Deferred(builds)
    assert (builds.count, deferred.built) == (0, False)
    answers: list[str] = []
    async with client(deferred) as http:

        async def get() -> None:
            answers.append((await http.get("/thing")).text)

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(get)
    assert answers == ["built 1: /thing"] * 5
    assert (builds.count, deferred.built) == (1, True)


async def test_a_failed_build_fails_its_request_and_the_next_request_builds_again() -> None:
    builds = Builds(failures=1)
    deferred = Deferred(builds)
    async with client(deferred) as http:
        with pytest.raises(RuntimeError, match="build 1 failed"):
            await http.get("/thing")
        assert deferred.built is False
        reply = await http.get("/thing")
    assert (reply.status_code, reply.text) == (200, "built 2: /thing")
    assert builds.count == 2


async def test_the_event_loop_answers_other_requests_while_the_build_runs() -> None:
    started, release = threading.Event(), threading.Event()

    def slow() -> ASGIApp:
        started.set()
        assert release.wait(10)
        return Builds()()

    deferred = Deferred(slow)
    order: list[str] = []
    async with client(deferred) as http:

        async def build_request() -> None:
            order.append((await http.get("/thing")).text)

        async def meanwhile() -> None:
            await anyio.to_thread.run_sync(started.wait, 10)
            order.append("loop free")
            release.set()

        async with anyio.create_task_group() as group:
            group.start_soon(build_request)
            group.start_soon(meanwhile)
    assert order == ["loop free", "built 1: /thing"]
