"""Builds the Starlette application from settings."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from exchange.errors import Unavailable
from exchange.http.body_limit import BodyLimit
from exchange.http.deferred import Deferred
from exchange.http.headers import SecurityHeaders
from exchange.http.responses import on_fault, on_unavailable
from exchange.pages import (
    admin,
    catalogue,
    dashboard,
    downloads,
    graphiql,
    jwks,
    oai,
    offers,
    requests,
    shipments,
    signin,
    upload_draft,
    web,
)
from exchange.pages import storage as storage_pages
from exchange.pages import uploads as upload_pages
from exchange.pages.routes import routes as page_routes
from exchange.pages.sync_link import routes as sync_routes
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.storage.local import LocalStorage

WEB = Path(__file__).resolve().parents[1] / "web"
HEALTH_TIMEOUT_S = 2.0
# Text is compressed (pages, CSS, JS, JSON: a matching board of 150 KB travels as ~15 KB,
# bench/pages.py); files already compressed or served by byte ranges are not.
NOT_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/octet-stream",
    "application/epub+zip",
    "application/x-tar",
    "image/*",
    "font/*",
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """The ASGI application. A given runtime is shared (tests); otherwise one is started."""
    logging.basicConfig(level=settings.log_level)
    rt = runtime or Runtime.start(settings)
    graphql = Deferred(lambda: _graphql(settings, rt))  # on its first request (issue 15)

    async def health(_request: Request) -> Response:
        """200 when the database answers ``SELECT 1`` within 2 s, else 503 (``on_unavailable``)."""
        await rt.db.ping(within_seconds=HEALTH_TIMEOUT_S)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(started: Starlette) -> AsyncIterator[None]:
        started.state.upload_cors = await upload_draft.check_cors(rt)
        settle_heap()
        yield
        if runtime is None:
            await rt.close()

    storage_routes = (
        storage_pages.routes(rt.storage, rt.storage.url_prefix)
        if isinstance(rt.storage, LocalStorage)
        else []
    )
    app = Starlette(
        routes=[
            *storage_routes,
            Route("/health", health),
            *graphiql.routes(rt, graphql),
            Route("/graphql", graphql, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks.endpoint(rt)),
            Route("/oai", oai.endpoint(rt), methods=["GET", "POST"]),
            *page_routes(rt),
            *signin.routes(rt),
            *dashboard.routes(rt),
            *catalogue.routes(rt),
            *offers.routes(rt),
            *requests.routes(rt),
            *upload_pages.routes(rt),
            *shipments.routes(rt),
            *admin.routes(rt),
            *downloads.routes(rt),
            *sync_routes(rt),
            Mount("/static", StaticFiles(directory=WEB / "static"), name="static"),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(
                GZipMiddleware,
                minimum_size=1024,
                compresslevel=6,
                exclude_content_types=NOT_COMPRESSED,
            ),
            Middleware(SecurityHeaders),
            Middleware(
                BodyLimit,
                max_bytes=settings.max_body_bytes,
                exempt=(
                    *(route.path.split("{")[0] for route in storage_routes),
                    upload_draft.FILE_PATH,
                ),
            ),
        ],
        exception_handlers={
            Unavailable: on_unavailable,
            web.Rejected: web.on_rejected(rt),
            Exception: on_fault,
        },
    )
    app.state.runtime = rt
    return app


def _graphql(settings: Settings, rt: Runtime) -> ASGIApp:
    """The GraphQL endpoint; Strawberry and the schema are imported only when it is built."""
    from exchange.api.endpoint import GraphQLApp
    from exchange.api.schema import build as build_schema

    # GraphiQL is served by exchange.pages.graphiql from local assets, not strawberry's CDN page.
    app = GraphQLApp(rt, schema=build_schema(settings), graphql_ide=None)
    gc.collect()
    gc.freeze()  # the schema, built after start, joins what settle_heap froze
    return app


_settled = False


def settle_heap() -> None:
    """Puts what the process holds once started (modules, the schema, the policies, the
    ORM's metadata: some 190,000 objects) out of the cyclic garbage collector's sight, once
    per process (``gc.freeze``, after a collection so that no garbage is kept). Its full
    passes, which come every few dozen requests, otherwise walk all of them: ~100 ms each,
    3 ms per GraphQL page of 50 offers (``bench/graphql_vs_raw.py``); they now walk only
    what requests made. Refcounting still frees frozen objects. The youngest generation is
    collected every 5,000 allocations instead of 700 (a page allocates ~30,000 objects,
    most freed by refcounting), which halves what remains of the collector's time."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
        gc.set_threshold(5_000, *gc.get_threshold()[1:])


def asgi() -> Starlette:
    """Entry point for ASGI servers: ``uvicorn --factory exchange.app:asgi``."""
    return create_app(Settings.from_environ())
