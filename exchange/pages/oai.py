"""``/oai``: the OAI-PMH endpoint, open to anonymous harvesters (GET and POST).

Settings (``EXCHANGE_`` extras): ``OAI_REPOSITORY_ID`` (default: the host of
``EXCHANGE_PUBLIC_URL``), ``OAI_REPOSITORY_NAME``, ``OAI_ADMIN_EMAIL``, ``OAI_PAGE_SIZE``
(default 100). The repository's identity never depends on the Host a client sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from exchange.identity.identity import ANONYMOUS
from exchange.oai import tokens
from exchange.runtime import Runtime
from exchange.settings import PREFIX


def endpoint(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    extra = runtime.settings.extra
    page_size = max(1, int(extra.get(f"{PREFIX}OAI_PAGE_SIZE", "100")))
    public = runtime.settings.public_url
    host = urlsplit(public).hostname or "localhost"

    async def oai(request: Request) -> Response:
        # At the first harvest, not at start-up: the record formats bring pymarc and
        # langcodes, 0.1 s and some MiB that most instances never use (issue 15).
        from exchange.oai import protocol

        # derived from the instance key, which is read when first used (issue 15)
        secret = tokens.secret_from(runtime.instance_key)
        if request.method == "POST":
            items = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
        else:
            items = list(request.query_params.multi_items())
        arguments: dict[str, list[str]] = {}
        for name, value in items:
            arguments.setdefault(name, []).append(value)
        repository = protocol.Repository(
            name=extra.get(f"{PREFIX}OAI_REPOSITORY_NAME", "Scholarly Exchange catalogue"),
            base_url=f"{public}/oai",
            repository_id=extra.get(f"{PREFIX}OAI_REPOSITORY_ID", host),
            admin_email=extra.get(f"{PREFIX}OAI_ADMIN_EMAIL", f"catalogue@{host}"),
            secret=secret,
            page_size=page_size,
        )
        body = await protocol.respond(
            ANONYMOUS, arguments, repository, db=runtime.db, policy=runtime.policy
        )
        return Response(body, media_type="text/xml; charset=utf-8")

    return oai
