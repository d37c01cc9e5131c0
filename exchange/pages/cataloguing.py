"""Cataloguing a work from the pages: a new work (``/catalogue/works/new``) and the edit of
one (``/catalogue/works/{id}/edit``). The form is offered to those the policy lets
catalogue (``catalogue.rights``); the service decides again on every post. A refused
form comes back as it was typed, each domain error beside its field, nothing written."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.catalogue import record, rights
from exchange.catalogue import service as catalogue
from exchange.pages import web
from exchange.pages.i18n import N_
from exchange.pages.work_form import KINDS, LEVELS, ROLES, WorkForm
from exchange.pages.work_rows import field_id
from exchange.partners.models import Partner
from exchange.runtime import Runtime

# Language tags offered as suggestions (BCP 47: language, then script).
SUGGESTED_TAGS = ("ko-Hang", "ko-Kore", "ko-Latn", "en", "zh-Hans", "zh-Hant", "ja", "ru", "de")
NOT_A_CATALOGUER = N_("You may not catalogue works: only librarians, coordinators and admins may.")


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    async def cataloguers(who: web.Visitor) -> list[Partner]:
        async with runtime.db.read() as session:
            return await rights.cataloguing_partners(who.identity, session=session, policy=policy)

    def compose(
        request: Request,
        who: web.Visitor,
        form: WorkForm,
        *,
        partners: list[Partner],
        work_id: uuid.UUID | None = None,
        shown: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        context: dict[str, Any] = {
            "form": form,
            "partners": partners,
            "work_id": work_id,
            "kinds": KINDS,
            "levels": LEVELS,
            "roles": ROLES,
            "tags": SUGGESTED_TAGS,
            "errors": shown or {},
        }
        return web.render(request, who, "work_form.html", context, status_code)

    async def refuse(request: Request, who: web.Visitor) -> Response:
        """The policy's reason (a role, a suspended partner), else that only members may."""
        async with runtime.db.read() as session:
            denied = await rights.cataloguing_denial(who.identity, session=session, policy=policy)
        if denied is not None:
            return web.refused(request, who, denied)
        message = who.language.gettext(NOT_A_CATALOGUER)
        return web.error_page(request, who, message, 403)

    async def new(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        allowed = await cataloguers(who)
        if not allowed:
            return await refuse(request, who)
        return compose(request, who, WorkForm.empty(str(allowed[0].id)), partners=allowed)

    async def create(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        try:
            form = WorkForm.parse(data)
        except errors.ValidationFailed as error:  # a row count tampered with
            return web.refused(request, who, error)
        allowed = await cataloguers(who)
        if data.get("action") == "add":
            form.add_rows()
            return compose(request, who, form, partners=allowed)
        try:
            async with runtime.db.unit_of_work() as uow:
                work = await catalogue.create(who.identity, form.draft(), uow=uow, policy=policy)
        except errors.ValidationFailed as error:
            shown = web.field_errors(who, error, field_id)
            return compose(request, who, form, partners=allowed, shown=shown, status_code=400)
        except (errors.Conflict, errors.NotFound, errors.PermissionDenied) as error:
            place = "identifiers" if isinstance(error, errors.Conflict) else "partner"
            shown = {place: web.described(who, error)}
            status = web.status_of(error)
            return compose(request, who, form, partners=allowed, shown=shown, status_code=status)
        return web.redirect(f"/catalogue/works/{work.id}")

    async def editable(
        request: Request, who: web.Visitor
    ) -> tuple[record.WorkRecord, list[Partner]] | Response:
        """The work to edit and its creator, or the page saying it cannot be."""
        work_id = web.path_id(request, "work_id")
        try:
            async with runtime.db.read() as session:
                found = await record.read(who.identity, work_id, session=session, policy=policy)
        except errors.NotFound:
            return web.not_found(request, who)
        creator = found.creator
        if creator is None:
            message = who.language.gettext("You may not edit this work.")
            return web.error_page(request, who, message, 403)
        denied = rights.update_denial(who.identity, found.work, creator, policy)
        if denied is not None:  # the policy's reason: a role, a suspended partner
            return web.refused(request, who, denied)
        return found, [creator]

    async def edit(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        got = await editable(request, who)
        if isinstance(got, Response):
            return got
        found, creator = got
        form = WorkForm.of(found)
        return compose(request, who, form, partners=creator, work_id=found.work.id)

    async def update(request: Request) -> Response:
        posted = await web.posted(request, runtime)
        if isinstance(posted, Response):
            return posted
        who, data = posted
        got = await editable(request, who)
        if isinstance(got, Response):
            return got
        found, creator = got
        work_id = found.work.id
        try:
            form = WorkForm.parse(data)
        except errors.ValidationFailed as error:
            return web.refused(request, who, error)
        form.partner_id = str(found.work.created_by_partner_id)
        if data.get("action") == "add":
            form.add_rows()
            return compose(request, who, form, partners=creator, work_id=work_id)
        try:
            async with runtime.db.unit_of_work() as uow:
                await catalogue.update(who.identity, work_id, form.patch(), uow=uow, policy=policy)
        except errors.ValidationFailed as error:
            shown = web.field_errors(who, error, field_id)
            return compose(
                request, who, form, partners=creator, work_id=work_id, shown=shown, status_code=400
            )
        except errors.Conflict as error:
            shown = {"identifiers": web.described(who, error)}
            return compose(
                request, who, form, partners=creator, work_id=work_id, shown=shown, status_code=409
            )
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect(f"/catalogue/works/{work_id}")

    return [
        Route("/catalogue/works/new", new, methods=["GET"]),
        Route("/catalogue/works/new", create, methods=["POST"]),
        Route("/catalogue/works/{work_id}/edit", edit, methods=["GET"]),
        Route("/catalogue/works/{work_id}/edit", update, methods=["POST"]),
    ]
