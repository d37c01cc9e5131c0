"""An ASGI application built on its first request, not when the server starts.

``exchange serve`` answers its first request sooner and holds less memory when the parts
that only some requests use are not built at start (issue 15): the GraphQL endpoint (the
Strawberry schema of every noun, Strawberry and graphql-core themselves) is about 0.4 s of
CPU and 15 MiB of the start, and a page visitor or ``/health`` never needs it.

The build runs once, in a worker thread started by the first request that needs it, so the
event loop goes on answering other requests (pages, ``/health``) meanwhile; requests for the
deferred app that arrive during the build wait for it (one lock: no second build starts), and
a build that fails raises in that request and is tried again by the next. Whatever the build
raises is a fault of the code, not of the request: the schema is built by the tests too
(``tests/api/test_schema.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send


class Deferred:
    """An ASGI app that calls ``build()`` (no arguments, returns the ASGI app) on first use."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self._lock: anyio.Lock | None = None

    @property
    def app(self) -> ASGIApp:
        """The built application (built now, when no request has needed it yet)."""
        if self._app is None:
            self._app = self._build()
        return self._app

    @property
    def built(self) -> bool:
        return self._app is not None

    async def _built(self) -> ASGIApp:
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            if self._app is None:
                self._app = await anyio.to_thread.run_sync(self._build)
            return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app if self._app is not None else await self._built()
        await app(scope, receive, send)
