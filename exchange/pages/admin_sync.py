"""The sync state page for administrators: per peer instance, the last bundle in and out,
what is pending per origin, proposals awaiting an answer, and refused bundles with their
reasons (the same figures as ``exchange sync status`` and GraphQL ``syncPeers``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.identity.identity import Role
from exchange.pages import web
from exchange.runtime import Runtime
from exchange.sync import instance, status


def routes(runtime: Runtime) -> list[Route]:
    async def sync_state(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        if not who.identity.has_role(Role.ADMIN):
            return web.not_found(request, who)
        try:
            async with runtime.db.read() as session:
                peers = await status.peer_states(who.identity, session=session)
                proposals = await status.proposals(who.identity, session=session)
                self_id = await instance.current(session)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        context = {
            "self_id": self_id,
            "peers": peers,
            "awaiting": [p for p in proposals if p.accepted is None],
        }
        return web.render(request, who, "admin_sync.html", context)

    return [Route("/admin/sync", sync_state, methods=["GET"])]
