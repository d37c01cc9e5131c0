"""Public pages: the partner directory. Visitors are anonymous here; they see public profiles."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.identity.identity import ANONYMOUS
from exchange.pages import web
from exchange.pagination import PageRequest, encode_cursor
from exchange.partners import service as partners
from exchange.runtime import Runtime


def routes(runtime: Runtime) -> list[Route]:
    async def directory(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        search = request.query_params.get("q", "")
        try:
            page_request = PageRequest.parse(50, request.query_params.get("after"))
            async with runtime.db.read() as session:
                page = await partners.list(
                    ANONYMOUS,
                    partners.PartnerFilter(search=search or None),
                    page_request,
                    session=session,
                    policy=runtime.policy,
                )
        except errors.ValidationFailed as error:
            return web.refused(request, who, error)
        next_cursor = encode_cursor(page.items[-1].id) if page.has_next else None
        return web.render(
            request,
            who,
            "index.html",
            {"partners": page.items, "search": search, "next_cursor": next_cursor},
        )

    return [Route("/", directory)]
