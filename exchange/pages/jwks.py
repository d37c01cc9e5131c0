"""``/.well-known/jwks.json``: every partner's public signing keys and the instance's own
(which signs audit checkpoints), for anyone to verify with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange.identity.identity import ANONYMOUS
from exchange.keys import jwks as key_sets
from exchange.runtime import Runtime


def endpoint(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    async def jwks(_request: Request) -> Response:
        async with runtime.db.read() as session:
            document = await key_sets.build(ANONYMOUS, session=session, policy=runtime.policy)
        return JSONResponse(
            key_sets.with_instance_key(document, runtime.instance_key.public_key()),
            media_type="application/jwk-set+json",
            headers={"Cache-Control": "public, max-age=300"},
        )

    return jwks
