"""Public pages: the partner directory. Visitors are anonymous here; they see public profiles."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from exchange import errors
from exchange.identity.identity import ANONYMOUS
from exchange.pagination import PageRequest, encode_cursor
from exchange.partners import service as partners
from exchange.runtime import Runtime


def _public_url(request: Request) -> dict[str, str]:
    """Absolute URLs in pages start with the configured public URL, never the Host header."""
    return {"public_url": request.app.state.runtime.settings.public_url}


TEMPLATES = Jinja2Templates(
    directory=Path(__file__).resolve().parents[2] / "web" / "templates",
    context_processors=[_public_url],
)


def routes(runtime: Runtime) -> list[Route]:
    async def directory(request: Request) -> Response:
        search = request.query_params.get("q", "")[:200]
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
            return TEMPLATES.TemplateResponse(
                request, "error.html", {"message": error.message}, status_code=400
            )
        next_cursor = encode_cursor(page.items[-1].id) if page.has_next else None
        return TEMPLATES.TemplateResponse(
            request,
            "index.html",
            {"partners": page.items, "search": search, "next_cursor": next_cursor},
        )

    return [Route("/", directory)]
