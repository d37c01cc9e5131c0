"""The per-request context: who is asking, where data lives, and fresh loaders."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from exchange.api.loaders import Loaders
from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.runtime import Runtime


@dataclass(slots=True)
class Context:
    request: Request
    response: Response | None
    runtime: Runtime
    identity: Identity
    bearer: str | None
    reads: RequestReads
    loaders: Loaders


Info = StrawberryInfo[Context, None]


def client_address(request: Request) -> str:
    """The peer address, for rate limits (behind a proxy, let the ASGI server apply
    ``X-Forwarded-For``: uvicorn's ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "-"
