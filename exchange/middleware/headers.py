"""Security headers on every response.

A Content-Security-Policy without inline script (W3C CSP Level 3) that also forbids
framing (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for older browsers),
``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``. GraphiQL's page carries one
inline script: its policy allows exactly that script by its SHA-256 (CSP §8.2 hash-source)
and the CDN the page loads GraphiQL from.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
GRAPHIQL_CDN = "https://unpkg.com"


def page_policy(html: str) -> str:
    """The policy of a page whose inline scripts are exactly those of ``html`` (GraphiQL)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src {hashes} {GRAPHIQL_CDN}; "
        f"style-src 'self' 'unsafe-inline' {GRAPHIQL_CDN}; font-src 'self' data: {GRAPHIQL_CDN}; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


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
