"""Administration of signing keys: every partner's keys (kid, partner, state), registering
a public key pasted as a JWK or PEM, revoking one (now, or as of an earlier time when a
compromise is found late; a revocation may be moved earlier), and the JWKS to download
(``/.well-known/jwks.json``). Cedar decides inside the services (``policies/keys.cedar``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.keys import registry
from exchange.keys import service as keys
from exchange.pages import partner_picker, web
from exchange.pages.admin_forms import KeyForm, reason_of, revocation_time
from exchange.runtime import Runtime

NOTICES = ("registered", "revoked")


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    async def board(
        request: Request, who: web.Visitor, *, status_code: int = 200, **extra: Any
    ) -> Response:
        """The keys page; ``extra`` carries the register form's values and errors, or the
        reason a revocation was refused (nothing was written)."""
        try:
            async with runtime.db.read() as session:
                found = await registry.overview(who.identity, session=session, policy=policy)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        notice = request.query_params.get("done", "")
        context = {
            "overview": found,
            "form": extra.pop("form", KeyForm()),
            "choice": extra.pop("choice", partner_picker.PartnerChoice()),
            "partner_matches": extra.pop("partner_matches", []),
            "errors": extra.pop("errors", {}),
            "alert": extra.pop("alert", ""),
            "done": notice if notice in NOTICES else "",
        }
        return web.render(request, who, "admin_keys.html", context, status_code=status_code)

    async def listing(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        return await board(request, who)

    async def register(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        form = KeyForm.parse(data)
        choice = partner_picker.PartnerChoice.parse(data)
        if data.get("action") == "find":
            found = await partner_picker.find(runtime, who.identity, choice)
            shown = {} if found.problem is None else web.field_errors(who, found.failure)
            return await board(
                request, who, status_code=400 if shown else 200, form=form, choice=choice,
                partner_matches=found.matches, errors=shown,
            )  # fmt: skip
        picked = await partner_picker.pick(runtime, who.identity, choice)
        form.partner = choice.chosen = picked.chosen
        again = {"form": form, "choice": choice, "partner_matches": picked.matches}
        try:
            partner_id = partner_picker.checked(picked, form.partner_id)
            async with runtime.db.unit_of_work() as uow:
                await registry.register_pasted(
                    who.identity, partner_id, form.public_key, uow=uow, policy=policy
                )
        except errors.ValidationFailed as error:
            shown = web.field_errors(who, error)
            return await board(request, who, status_code=400, errors=shown, **again)
        except errors.NotFound as error:
            shown = {"partner": reason_of(who, error)}
            return await board(request, who, status_code=404, errors=shown, **again)
        except errors.Conflict as error:
            shown = {"public_key": reason_of(who, error)}
            return await board(request, who, status_code=409, errors=shown, **again)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect("/admin/keys?done=registered")

    async def revoke(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        kid = request.path_params["kid"][:64]
        try:
            at = revocation_time(data)
            async with runtime.db.unit_of_work() as uow:
                await keys.revoke(who.identity, kid, at, uow=uow, policy=policy)
        except errors.NotFound:
            return web.not_found(request, who)
        except errors.ValidationFailed as error:
            [problem, *_] = error.errors
            alert = who.language.gettext(problem.message)
            return await board(request, who, status_code=400, alert=alert)
        except errors.Conflict as error:
            return await board(request, who, status_code=409, alert=reason_of(who, error))
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect("/admin/keys?done=revoked")

    return [
        Route("/admin/keys", listing, methods=["GET"]),
        Route("/admin/keys/new", register, methods=["POST"]),
        Route("/admin/keys/{kid}/revoke", revoke, methods=["POST"]),
    ]
