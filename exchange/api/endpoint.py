"""The ``/graphql`` endpoint: authenticates the bearer token, then hands over to Strawberry."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from exchange.api.context import Context
from exchange.api.loaders import Loaders
from exchange.errors import Unauthenticated
from exchange.identity import tokens
from exchange.identity.identity import ANONYMOUS, Identity
from exchange.runtime import Runtime


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return value.strip()


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                bearer = bearer_token(request)
                identity: Identity = ANONYMOUS
                if bearer is not None:
                    async with self.runtime.db.read() as session:
                        identity = await tokens.authenticate(session, bearer)
            except Unauthenticated as error:
                body = {
                    "errors": [
                        {
                            "message": error.message,
                            "extensions": {"code": error.code, "field": error.field},
                        }
                    ]
                }
                await JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})(
                    scope, receive, send
                )
                return
            state = scope.setdefault("state", {})
            state["identity"], state["bearer"] = identity, bearer
            state["request_id"] = request.headers.get("x-request-id") or uuid.uuid4().hex
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request, response: Response | None) -> Context:  # type: ignore[override]
        identity: Identity = request.state.identity
        return Context(
            request=request,
            response=response,
            runtime=self.runtime,
            identity=identity,
            bearer=request.state.bearer,
            loaders=Loaders.make(identity, self.runtime.db, self.runtime.policy),
        )
