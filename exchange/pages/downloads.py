"""Downloading and playing a digital copy: the policy decides, the storage presigns a
short-lived URL and the browser is sent there (byte ranges work on local disk and S3, so a
lecture plays from the middle). When the reader is not entitled the page says why."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.objects import downloads, entitlement
from exchange.objects import service as objects
from exchange.pages import web
from exchange.runtime import Runtime


def _from_start(asked: str | None) -> bool:
    """Whether a request's ``Range`` (RFC 9110 §14.2) is absent or starts at byte 0."""
    if asked is None:
        return True
    first = asked.partition("=")[2].split(",")[0].strip()
    return first.startswith("0-") or first == "0"


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    async def download(request: Request) -> Response:
        """A GET, so that a ``<video src>`` can use it. A download is recorded once: a byte
        range past the start (a player seeking, a resumed download) continues it."""
        who = await web.visitor(request, runtime)
        identity = who.identity
        object_id = web.path_id(request, "object_id")
        try:
            async with runtime.db.unit_of_work() as uow:
                grant = await downloads.download(
                    identity, object_id, uow=uow, storage=runtime.storage, policy=policy,
                    counted=_from_start(request.headers.get("range")),
                )  # fmt: skip
        except errors.NotFound:
            return web.not_found(request, who)
        except errors.ExchangeError:
            async with runtime.db.read() as session:
                obj = await objects.get(identity, object_id, session=session, policy=policy)
                found = await entitlement.of(identity, [obj], session=session, policy=policy)
            context = {"object": obj, "entitlement": found[obj.id]}
            return web.render(request, who, "download_refused.html", context, status_code=403)
        return web.redirect(grant.url)

    return [Route("/objects/{object_id}/download", download, methods=["GET"])]
