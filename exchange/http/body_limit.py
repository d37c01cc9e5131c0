"""Refuses request bodies over a size limit with 413, before they are read whole.

A declared ``Content-Length`` over the limit is refused before any byte is read; a body
without one (chunked) is counted as it streams and refused as soon as it passes the limit.
Paths under ``exempt`` (the local storage's signed uploads, whose size is signed) pass.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange.http.responses import graphql_error


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    def _refusal(self) -> JSONResponse:
        return graphql_error(
            413, "PAYLOAD_TOO_LARGE", f"the request body is over {self.max_bytes} bytes"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0:
                    refusal = graphql_error(400, "BAD_REQUEST", "invalid Content-Length")
                    await refusal(scope, receive, send)
                    return
                if declared > self.max_bytes:
                    await self._refusal()(scope, receive, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if started:
                raise
            await self._refusal()(scope, receive, send)
