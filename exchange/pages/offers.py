"""A librarian's offers: list, compose (with lines whose works are found in the catalogue),
read, publish, withdraw and close."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import clock, errors
from exchange.identity.identity import Role
from exchange.offers import service as offers
from exchange.offers import view
from exchange.offers.models import Condition, Format
from exchange.pages import web, work_picker
from exchange.pages.offer_form import OfferForm, field_id
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.runtime import Runtime

VERBS = ("publish", "withdraw", "close")


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    async def listing(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        identity = who.identity
        own = sorted(identity.partners_with(Role.LIBRARIAN))
        try:
            async with runtime.db.read() as session:
                page = await offers.list(
                    identity,
                    offers.OfferFilter(partner_id=own[0] if len(own) == 1 else None),
                    PageRequest.parse(100, request.query_params.get("after")),
                    session=session,
                    policy=policy,
                )
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.render(
            request,
            who,
            "offers.html",
            {"offers": page.items, "may_post": bool(own), "now": clock.now()},
        )

    async def compose(
        request: Request, who: web.Visitor, form: OfferForm, **extra: Any
    ) -> Response:
        identity = who.identity
        own = sorted(identity.partners_with(Role.LIBRARIAN))
        async with runtime.db.read() as session:
            donors = await partners.get_many(identity, own, session=session, policy=policy)
        context = {
            "form": form,
            "donors": [donors[p] for p in own if p in donors],
            "formats": [f.value for f in Format],
            "conditions": [c.value for c in Condition],
            "matches": extra.pop("matches", {}),
            "errors": extra.pop("errors", {}),
        }
        return web.render(request, who, "offer_new.html", context, **extra)

    async def new(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        own = sorted(who.identity.partners_with(Role.LIBRARIAN))
        return await compose(request, who, OfferForm.empty(str(own[0]) if own else ""))

    async def submit(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        try:
            form = OfferForm.parse(data)
        except errors.ValidationFailed as error:  # a hidden field tampered with
            return web.refused(request, who, error)
        action = data.get("action")
        if action == "add":
            form.add_line()
            return await compose(request, who, form)
        if action == "find":
            searches = {
                i: line.query
                for i, line in enumerate(form.lines)
                if line.query and not line.work_id
            }
            try:
                matches = await work_picker.matches(runtime, who.identity, searches)
            except errors.ValidationFailed as error:
                return await compose(request, who, form, errors=web.field_errors(who, error))
            return await compose(request, who, form, matches=matches)
        positions: list[int] = []
        try:
            draft, positions = form.draft()
            async with runtime.db.unit_of_work() as uow:
                offer = await offers.create(who.identity, draft, uow=uow, policy=policy)
        except errors.ValidationFailed as error:
            shown = web.field_errors(who, error, lambda name: field_id(name, positions))
            return await compose(request, who, form, errors=shown, status_code=400)
        except errors.PermissionDenied as error:
            shown = {"partner": web.described(who, error)}
            return await compose(request, who, form, errors=shown, status_code=403)
        return web.redirect(f"/offers/{offer.id}")

    async def detail(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        offer_id = web.path_id(request, "offer_id")
        try:
            async with runtime.db.read() as session:
                found = await view.read(who.identity, offer_id, session=session, policy=policy)
        except errors.NotFound:
            return web.not_found(request, who)
        notice = request.query_params.get("done", "")
        return web.render(
            request,
            who,
            "offer.html",
            {"view": found, "done": notice if notice in VERBS else "", "now": clock.now()},
        )

    async def act(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, _data = got
        verb = request.path_params["verb"]
        if verb not in VERBS:
            return web.not_found(request, who)
        offer_id = web.path_id(request, "offer_id")
        try:
            async with runtime.db.unit_of_work() as uow:
                await offers.transition(who.identity, offer_id, verb, uow=uow, policy=policy)
        except errors.NotFound:
            return web.not_found(request, who)
        except errors.PermissionDenied as error:
            message = web.described(who, error)
            return web.error_page(request, who, message, 403)
        except errors.Conflict as error:
            message = web.described(who, error)
            return web.error_page(request, who, message, 409)
        return web.redirect(f"/offers/{offer_id}?done={verb}")

    return [
        Route("/offers", listing, methods=["GET"]),
        Route("/offers/new", new, methods=["GET"]),
        Route("/offers/new", submit, methods=["POST"]),
        Route("/offers/{offer_id}", detail, methods=["GET"]),
        Route("/offers/{offer_id}/{verb}", act, methods=["POST"]),
    ]
