"""Builds the Starlette application from settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import GraphQL_IDE

from exchange.api.endpoint import GraphQLApp
from exchange.api.schema import build as build_schema
from exchange.pages import jwks, oai
from exchange.pages import storage as storage_pages
from exchange.pages.routes import routes as page_routes
from exchange.pages.sync_link import routes as sync_routes
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.storage.local import LocalStorage

WEB = Path(__file__).resolve().parents[1] / "web"


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """The ASGI application. A given runtime is shared (tests); otherwise one is started."""
    logging.basicConfig(level=settings.log_level)
    rt = runtime or Runtime.start(settings)
    ide: GraphQL_IDE | None = "graphiql" if settings.graphiql else None
    graphql = GraphQLApp(rt, schema=build_schema(settings), graphql_ide=ide)

    async def health(_request: Request) -> Response:
        async with rt.db.read() as session:
            await session.connection()
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
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
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/.well-known/jwks.json", jwks.endpoint(rt)),
            Route("/oai", oai.endpoint(rt), methods=["GET", "POST"]),
            *page_routes(rt),
            *sync_routes(rt),
            Mount("/static", StaticFiles(directory=WEB / "static"), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = rt
    return app


def asgi() -> Starlette:
    """Entry point for ASGI servers: ``uvicorn --factory exchange.app:asgi``."""
    return create_app(Settings.from_environ())
