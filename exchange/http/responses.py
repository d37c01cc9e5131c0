"""Transport-level failures, answered in the GraphQL error shape on every route.

``{"errors": [{"message": ..., "extensions": {"code": ...}}]}`` with codes such as
``BAD_REQUEST`` (400), ``PAYLOAD_TOO_LARGE`` (413), ``RATE_LIMITED`` (429) and
``UNAVAILABLE`` (503, the database cannot be reached).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange.errors import RateLimited, Unavailable


def graphql_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers)


def unavailable(error: Unavailable) -> JSONResponse:
    """503 with ``Retry-After`` (RFC 9110 §10.2.3)."""
    return graphql_error(
        503, "UNAVAILABLE", error.message, {"Retry-After": str(error.retry_after_seconds)}
    )


def rate_limited(error: RateLimited) -> JSONResponse:
    """429 with ``Retry-After`` (RFC 6585 §4)."""
    return graphql_error(
        429, "RATE_LIMITED", error.message, {"Retry-After": str(error.retry_after_seconds)}
    )


async def on_unavailable(_request: Request, error: Exception) -> Response:
    """Starlette exception handler: any route whose database is gone answers 503."""
    assert isinstance(error, Unavailable)
    return unavailable(error)


async def on_fault(_request: Request, _error: Exception) -> Response:
    """The last resort (Starlette's server-error handler, which still re-raises the error so
    that the server logs its traceback): JSON in the same shape, never a text/plain 500."""
    return graphql_error(500, "internal", "unexpected error")
