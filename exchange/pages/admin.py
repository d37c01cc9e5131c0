"""Administration pages: partners (create, edit names in several scripts, tags, public
profile, suspend and reactivate with a reason) and the policies in force, read-only."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.identity.identity import Role
from exchange.pages import admin_accounts, admin_keys, admin_sync, partner_picker, web
from exchange.pages.partner_form import PartnerForm, field_id
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner, PartnerKind
from exchange.runtime import Runtime

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    async def admin(request: Request) -> web.Visitor | Response:
        """The visitor when an administrator; else the sign-in page or a 404."""
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        if not who.identity.has_role(Role.ADMIN):
            return web.not_found(request, who)
        return who

    def form_page(
        request: Request,
        who: web.Visitor,
        form: PartnerForm,
        partner: Partner | None = None,
        errors_shown: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        context = {
            "form": form,
            "partner": partner,
            "kinds": [k.value for k in PartnerKind],
            "errors": errors_shown or {},
        }
        return web.render(request, who, "admin_partner.html", context, status_code=status_code)

    async def listing(request: Request) -> Response:
        who = await admin(request)
        if isinstance(who, Response):
            return who
        search = request.query_params.get("q", "")
        try:
            async with runtime.db.read() as session:
                page = await partners.list(
                    who.identity,
                    partners.PartnerFilter(search=search or None),
                    PageRequest.parse(100, request.query_params.get("after")),
                    session=session,
                    policy=policy,
                )
        except errors.ValidationFailed as error:
            return web.refused(request, who, error)
        following = web.cursor_of(page.items[-1].id) if page.has_next and page.items else None
        context = {"partners": page.items, "search": search, "next_cursor": following}
        return web.render(request, who, "admin_partners.html", context)

    async def new(request: Request) -> Response:
        who = await admin(request)
        if isinstance(who, Response):
            return who
        return form_page(request, who, PartnerForm.empty())

    async def create(request: Request) -> Response:
        who = await admin(request)
        if isinstance(who, Response):
            return who
        data = await web.read_form(request)
        if not who.csrf_valid(data):
            return web.forbidden(request, who)
        form = PartnerForm.parse(data)
        draft, positions = form.draft()
        try:
            async with runtime.db.unit_of_work() as uow:
                created = await partners.create(who.identity, draft, uow=uow, policy=policy)
        except errors.ValidationFailed as error:
            shown = web.field_errors(who, error, lambda name: field_id(name, positions))
            return form_page(request, who, form, errors_shown=shown, status_code=400)
        return web.redirect(f"/admin/partners/{created.id}")

    async def edit(request: Request) -> Response:
        who = await admin(request)
        if isinstance(who, Response):
            return who
        partner_id = web.path_id(request, "partner_id")
        try:
            async with runtime.db.read() as session:
                partner = await partners.get(
                    who.identity, partner_id, session=session, policy=policy
                )
        except errors.NotFound:
            return web.not_found(request, who)
        return form_page(request, who, PartnerForm.of(partner), partner)

    async def update(request: Request) -> Response:
        who = await admin(request)
        if isinstance(who, Response):
            return who
        data = await web.read_form(request)
        if not who.csrf_valid(data):
            return web.forbidden(request, who)
        form = PartnerForm.parse(data)
        partner_id = web.path_id(request, "partner_id")
        try:
            async with runtime.db.unit_of_work() as uow:
                current = await partners.get(
                    who.identity, partner_id, session=uow.session, policy=policy
                )
                patch, positions = form.patch(current)
                try:
                    await partners.update(who.identity, partner_id, patch, uow=uow, policy=policy)
                except errors.ValidationFailed as error:
                    shown = web.field_errors(who, error, lambda name: field_id(name, positions))
                    raise _Invalid(shown) from error
        except errors.NotFound:
            return web.not_found(request, who)
        except _Invalid as invalid:
            return form_page(request, who, form, current, invalid.shown, status_code=400)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect(f"/admin/partners/{partner_id}?saved=1")

    async def status(request: Request) -> Response:
        who = await admin(request)
        if isinstance(who, Response):
            return who
        data = await web.read_form(request)
        verb = request.path_params["verb"]
        if not who.csrf_valid(data) or verb not in ("suspend", "reactivate"):
            return web.forbidden(request, who)
        reason = str(data.get("reason", "")).strip()
        change = partners.suspend if verb == "suspend" else partners.reactivate
        partner_id = web.path_id(request, "partner_id")
        try:
            async with runtime.db.unit_of_work() as uow:
                await change(who.identity, partner_id, reason, uow=uow, policy=policy)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect(f"/admin/partners/{partner_id}")

    async def policies(request: Request) -> Response:
        who = await admin(request)
        if isinstance(who, Response):
            return who
        files = sorted(POLICIES.glob("*.ced*"))
        shown = [(path.name, path.read_text("utf-8")) for path in files]
        return web.render(request, who, "admin_policies.html", {"files": shown})

    return [
        Route("/admin/partners", listing, methods=["GET"]),
        Route("/admin/partners/new", new, methods=["GET"]),
        Route("/admin/partners/new", create, methods=["POST"]),
        Route("/admin/partners/{partner_id}", edit, methods=["GET"]),
        Route("/admin/partners/{partner_id}", update, methods=["POST"]),
        Route("/admin/partners/{partner_id}/{verb}", status, methods=["POST"]),
        Route("/admin/policies", policies, methods=["GET"]),
        *admin_accounts.routes(runtime),
        *admin_keys.routes(runtime),
        *partner_picker.routes(runtime),
        *admin_sync.routes(runtime),
    ]


class _Invalid(Exception):
    """The form's errors, raised out of the unit of work so that nothing is written."""

    def __init__(self, shown: dict[str, str]) -> None:
        super().__init__("invalid form")
        self.shown = shown
