"""GraphiQL served entirely by the instance: its scripts come from the npm packages the
install puts in ``node_modules/`` (pinned by ``package-lock.json``), never from a CDN, so
it works on an instance without internet. A browser asking ``/graphql`` for HTML gets the
IDE; every other request goes to the GraphQL endpoint."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from exchange.http import headers
from exchange.pages import web
from exchange.runtime import Runtime

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
# The only files served from node_modules: name in the URL → file of a pinned package.
VENDOR = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def wants_ide(request: Request) -> bool:
    """A browser navigating to the endpoint (HTML first in Accept, no query in the URL)."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept.split(",")[0] and "query" not in request.query_params


class _GraphQLGet:
    """GET /graphql: the IDE for a browser, the endpoint for everything else (an ASGI app,
    so the endpoint gets the request untouched)."""

    def __init__(self, runtime: Runtime, endpoint: ASGIApp) -> None:
        self.runtime = runtime
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self.runtime.settings.graphiql and wants_ide(request):
            who = await web.visitor(request, self.runtime)
            response = web.render(request, who, "graphiql.html")
            response.headers["Content-Security-Policy"] = headers.GRAPHIQL
            await response(scope, receive, send)
            return
        await self.endpoint(scope, receive, send)


def routes(runtime: Runtime, endpoint: ASGIApp) -> list[Route]:
    async def vendor(request: Request) -> Response:
        relative = VENDOR.get(request.path_params["name"])
        path = NODE_MODULES / relative if relative else None
        if path is None or not path.is_file():
            return PlainTextResponse("Not found.", status_code=404)
        return FileResponse(
            path,
            media_type=MEDIA_TYPES[path.suffix],
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return [
        Route("/graphql", _GraphQLGet(runtime, endpoint), methods=["GET"]),
        Route("/vendor/{name}", vendor, methods=["GET"]),
    ]
