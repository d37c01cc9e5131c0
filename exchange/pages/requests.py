"""Requests and matching: a librarian posts a request and claims offer lines for it; a
coordinator works the matching board (open request lines with ranked suggestions, allocate
in one click, release)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.allocations import quantity as quantities
from exchange.allocations import service as allocations
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.identity.identity import Role
from exchange.pages import web, work_picker
from exchange.pages.request_form import RequestForm, field_id
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.requests import service as requests
from exchange.requests import view
from exchange.requests.models import Priority
from exchange.runtime import Runtime
from exchange.sync import proposals

BOARD_PAGE = 5  # requests a board page shows (each with its lines)


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    async def listing(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        own = sorted(who.identity.partners_with(Role.LIBRARIAN))
        try:
            async with runtime.db.read() as session:
                page = await requests.list(
                    who.identity,
                    requests.RequestFilter(partner_id=own[0] if len(own) == 1 else None),
                    PageRequest.parse(100, request.query_params.get("after")),
                    session=session,
                    policy=policy,
                )
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        context = {"requests": page.items, "may_post": bool(own)}
        return web.render(request, who, "requests.html", context)

    async def compose(
        request: Request, who: web.Visitor, form: RequestForm, **extra: Any
    ) -> Response:
        own = sorted(who.identity.partners_with(Role.LIBRARIAN))
        async with runtime.db.read() as session:
            mine = await partners.get_many(who.identity, own, session=session, policy=policy)
        context = {
            "form": form,
            "requesters": [mine[p] for p in own if p in mine],
            "kinds": [k.value for k in WorkKind],
            "levels": [v.value for v in WorkLevel],
            "priorities": [p.value for p in Priority],
            "matches": extra.pop("matches", {}),
            "errors": extra.pop("errors", {}),
        }
        return web.render(request, who, "request_new.html", context, **extra)

    async def new(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        own = sorted(who.identity.partners_with(Role.LIBRARIAN))
        return await compose(request, who, RequestForm.empty(str(own[0]) if own else ""))

    async def submit(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        try:
            form = RequestForm.parse(data)
        except errors.ValidationFailed as error:  # a hidden field tampered with
            return web.refused(request, who, error)
        action = data.get("action")
        if action == "add":
            form.add_line()
            return await compose(request, who, form)
        if action == "find":
            searches = {i: n.query for i, n in enumerate(form.lines) if n.query and not n.work_id}
            try:
                found = await work_picker.matches(runtime, who.identity, searches)
            except errors.ValidationFailed as error:
                return await compose(request, who, form, errors=web.field_errors(who, error))
            return await compose(request, who, form, matches=found)
        positions: list[int] = []
        try:
            draft, positions = form.draft()
            async with runtime.db.unit_of_work() as uow:
                created = await requests.create(who.identity, draft, uow=uow, policy=policy)
        except errors.ValidationFailed as error:
            shown = web.field_errors(who, error, lambda name: field_id(name, positions))
            return await compose(request, who, form, errors=shown, status_code=400)
        except errors.PermissionDenied as error:
            shown = {"partner": web.described(who, error)}
            return await compose(request, who, form, errors=shown, status_code=403)
        return web.redirect(f"/requests/{created.id}")

    async def detail(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        request_id = web.path_id(request, "request_id")
        try:
            async with runtime.db.read() as session:
                found = await view.read(who.identity, request_id, session=session, policy=policy)
        except errors.NotFound:
            return web.not_found(request, who)
        return web.render(request, who, "request.html", {"views": [found], "single": True})

    async def board(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        try:
            page = PageRequest.parse(BOARD_PAGE, request.query_params.get("after"))
            async with runtime.db.read() as session:
                shown, more = await view.open_requests(
                    who.identity, page, session=session, policy=policy
                )
        except errors.ValidationFailed as error:
            return web.refused(request, who, error)
        except errors.PermissionDenied:
            return web.not_found(request, who)
        following = web.cursor_of(shown[-1].request.id) if more and shown else None
        context = {"views": shown, "single": False, "next_cursor": following}
        return web.render(request, who, "board.html", context)

    async def claim(request: Request) -> Response:
        """Allocate an offer line to a request line: the requester's librarian claiming,
        or a coordinator matching."""
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        back = web.local_path(str(data.get("back", "")), "/board")
        try:
            quantity = web.whole_number(
                data.get("quantity"), "quantity", low=1, high=quantities.MAX_QUANTITY
            )
            request_line = web.path_id(request, "line_id")
            offer_line = uuid.UUID(str(data.get("offer_line", "")))
            async with runtime.db.unit_of_work() as uow:
                claimed = await proposals.claim(
                    who.identity,
                    offer_line,
                    request_line,
                    quantity,
                    uow=uow,
                    policy=policy,
                    alone=True,
                )
        except ValueError:
            return web.not_found(request, who)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        if claimed.proposed:
            return web.proposed(request, who, claimed.owner, back)
        return web.redirect(back)

    async def release(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        back = web.local_path(str(data.get("back", "")), "/board")
        allocation_id = web.path_id(request, "allocation_id")
        try:
            async with runtime.db.unit_of_work() as uow:
                await allocations.release(who.identity, allocation_id, uow=uow, policy=policy)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect(back)

    return [
        Route("/requests", listing, methods=["GET"]),
        Route("/requests/new", new, methods=["GET"]),
        Route("/requests/new", submit, methods=["POST"]),
        Route("/requests/{request_id}", detail, methods=["GET"]),
        Route("/request-lines/{line_id}/claim", claim, methods=["POST"]),
        Route("/allocations/{allocation_id}/release", release, methods=["POST"]),
        Route("/board", board, methods=["GET"]),
    ]
