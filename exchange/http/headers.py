"""Security headers on every response.

A Content-Security-Policy without inline script (W3C CSP Level 3) that also forbids
framing (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for older browsers),
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (W3C Referrer
Policy §3: the instance's own pages learn which of its pages a visitor came from, for the
error page's way back; no other origin learns anything). No page has an inline
script; GraphiQL's page also allows inline style (``GRAPHIQL``).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# GraphiQL (served from the instance's own npm packages, exchange.pages.graphiql) sets
# styles at run time (CodeMirror, its themes): the one relaxation is inline style. Its
# scripts are files of this instance, like every page's.
GRAPHIQL = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def connecting_to(origin: str) -> str:
    """``STRICT``, letting the page's scripts also connect to ``origin`` (the upload page
    PUTs to the S3 endpoint; CSP Level 3 §6.1.1 ``connect-src``)."""
    return f"{STRICT}; connect-src 'self' {origin}"


class SecurityHeaders:
    """Adds the headers above; a response that set its own policy keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = STRICT
                for name, value in FIXED.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
