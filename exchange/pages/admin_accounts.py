"""Administration of accounts: the list, a new account, one account with its memberships
(add, remove), disabling and enabling it, and its bearer tokens (issue — the secret is
shown once, on the answer to the form, and never again — and revoke). Cedar decides every
action inside the services (``policies/accounts.cedar``); a refusal is shown with the
domain's reason."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors, periods
from exchange.identity import directory, service, tokens
from exchange.identity.identity import Role
from exchange.pages import partner_picker, web
from exchange.pages.admin_forms import (
    ACCOUNT_FIELDS,
    AccountForm,
    MembershipForm,
    TokenForm,
)
from exchange.pagination import PageRequest
from exchange.policy import PLATFORM
from exchange.runtime import Runtime

PAGE_SIZE = 50
ALERT = "alert"  # a refusal shown at the top of the account page, not by a field
NOTICES = ("created", "added", "removed", "revoked", "disabled", "enabled")


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    async def listing(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        search = request.query_params.get("q", "")
        try:
            async with runtime.db.read() as session:
                page = await directory.list_accounts(
                    who.identity,
                    search or None,
                    PageRequest.parse(PAGE_SIZE, request.query_params.get("after")),
                    session=session,
                    policy=policy,
                )
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        following = web.cursor_of(page.items[-1].id) if page.has_next and page.items else None
        context = {"accounts": page.items, "search": search, "next_cursor": following}
        return web.render(request, who, "admin_accounts.html", context)

    def account_form(
        request: Request, who: web.Visitor, form: AccountForm, shown: dict[str, str], code: int
    ) -> Response:
        context = {"form": form, "errors": shown}
        return web.render(request, who, "admin_account_new.html", context, status_code=code)

    async def new(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        try:
            policy.require(who.identity, "account.create", PLATFORM)
        except errors.PermissionDenied as error:
            return web.refused(request, who, error)
        return account_form(request, who, AccountForm(), {}, 200)

    async def create(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        form = AccountForm.parse(data)
        try:
            async with runtime.db.unit_of_work() as uow:
                account = await service.create_account(
                    who.identity, form.draft(), uow=uow, policy=policy
                )
        except errors.ExchangeError as error:
            shown = web.form_errors(who, error, fields=ACCOUNT_FIELDS, conflict="email")
            if shown is None:
                return web.refused(request, who, error)
            return account_form(request, who, form, shown, web.status_of(error))
        return web.redirect(f"/admin/accounts/{account.id}?done=created")

    async def account_page(
        request: Request,
        who: web.Visitor,
        account_id: uuid.UUID,
        *,
        status_code: int = 200,
        **extra: Any,
    ) -> Response:
        """The account's page; ``extra`` carries a form's values and errors after a refusal
        (nothing was written: the page is read again to show it)."""
        try:
            async with runtime.db.read() as session:
                view = await directory.read_account(
                    who.identity, account_id, session=session, policy=policy
                )
        except errors.NotFound:
            return web.not_found(request, who)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        notice = request.query_params.get("done", "")
        shown = dict(extra.pop("errors", {}))
        context = {
            "view": view,
            "roles": [r.value for r in Role],
            "membership": extra.pop("membership", MembershipForm()),
            "choice": extra.pop("choice", partner_picker.PartnerChoice()),
            "partner_matches": extra.pop("partner_matches", []),
            "token_form": extra.pop("token_form", TokenForm()),
            "alert": shown.pop(ALERT, ""),
            "errors": shown,
            "done": notice if notice in NOTICES else "",
        }
        return web.render(request, who, "admin_account.html", context, status_code=status_code)

    async def refusal(
        request: Request,
        who: web.Visitor,
        account_id: uuid.UUID | None,
        error: errors.ExchangeError,
        *,
        fields: dict[str, str] | None = None,
        conflict: str = ALERT,
        missing: str | None = None,
        **forms: Any,
    ) -> Response:
        """The one way the account page shows a refusal of one of its forms (nothing was
        written): next to the field ``web.form_errors`` names, with the values typed kept
        (``forms``), a conflict in the page's alert unless ``conflict`` names a field; a
        record not found that no field names is the 404 page, any other refusal its page."""
        shown = web.form_errors(who, error, fields=fields, conflict=conflict, missing=missing)
        if shown is None or account_id is None:
            if isinstance(error, errors.NotFound):
                return web.not_found(request, who)
            return web.refused(request, who, error)
        status = web.status_of(error)
        return await account_page(
            request, who, account_id, status_code=status, errors=shown, **forms
        )

    async def detail(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        return await account_page(request, who, web.path_id(request, "account_id"))

    async def add_membership(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        account_id = web.path_id(request, "account_id")
        form = MembershipForm.parse(data)
        choice = partner_picker.PartnerChoice.parse(data)
        finding = data.get("action") == "find"
        picked = await (partner_picker.find if finding else partner_picker.pick)(
            runtime, who.identity, choice
        )
        if finding:
            shown = {} if picked.problem is None else web.field_errors(who, picked.failure)
            return await account_page(
                request, who, account_id, status_code=400 if shown else 200, membership=form,
                choice=choice, partner_matches=picked.matches, errors=shown,
            )  # fmt: skip
        form.partner = choice.chosen = picked.chosen
        shown_again: dict[str, Any] = {
            "membership": form,
            "choice": choice,
            "partner_matches": picked.matches,
        }
        try:
            partner_id, role = partner_picker.checked(picked, form.chosen)
            async with runtime.db.unit_of_work() as uow:
                await service.add_membership(
                    who.identity, account_id, partner_id, role, uow=uow, policy=policy
                )
        except errors.ExchangeError as error:
            own = isinstance(error, errors.NotFound) and error.entity == "account"
            missing = None if own else "partner"  # the page's own account, or the chosen partner
            return await refusal(
                request, who, account_id, error, conflict="role", missing=missing, **shown_again
            )
        return web.redirect(f"/admin/accounts/{account_id}?done=added")

    async def remove_membership(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, _data = got
        account_id = web.path_id(request, "account_id")
        membership_id = web.path_id(request, "membership_id")
        try:
            async with runtime.db.unit_of_work() as uow:
                removed = await directory.remove_membership(
                    who.identity, membership_id, uow=uow, policy=policy
                )
        except errors.ExchangeError as error:
            return await refusal(request, who, account_id, error)
        return web.redirect(f"/admin/accounts/{removed.account_id}?done=removed")

    async def issue(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        account_id = web.path_id(request, "account_id")
        form = TokenForm.parse(data)
        try:
            days = form.days_chosen(runtime.settings.token_ttl_days)
            async with runtime.db.unit_of_work() as uow:
                token, secret = await tokens.issue_for(
                    who.identity,
                    account_id,
                    uow=uow,
                    policy=policy,
                    ttl=periods.span_of_days(days, "days"),
                    label=form.label,
                )
        except errors.ExchangeError as error:
            fields = {"ttl": "days"}
            return await refusal(request, who, account_id, error, fields=fields, token_form=form)
        context = {"token": token, "secret": secret, "account_id": account_id}
        response = web.render(request, who, "admin_token_issued.html", context)
        # The secret is on this answer only: no cache, no history copy (RFC 9111 §5.2.2.5).
        response.headers["Cache-Control"] = "no-store"
        return response

    async def revoke(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, _data = got
        account_id = web.path_id(request, "account_id")
        token_id = web.path_id(request, "token_id")
        try:
            async with runtime.db.unit_of_work() as uow:
                token = await tokens.revoke_by_id(
                    who.identity, token_id, uow=uow, policy=policy, account_id=account_id
                )
        except errors.ExchangeError as error:
            return await refusal(request, who, account_id, error)
        return web.redirect(f"/admin/accounts/{token.account_id}?done=revoked")

    async def standing(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, _data = got
        account_id = web.path_id(request, "account_id")
        disabled = request.url.path.endswith("/disable")
        try:
            async with runtime.db.unit_of_work() as uow:
                await directory.set_disabled(
                    who.identity, account_id, disabled, uow=uow, policy=policy
                )
        except errors.ExchangeError as error:
            return await refusal(request, who, account_id, error)
        done = "disabled" if disabled else "enabled"
        return web.redirect(f"/admin/accounts/{account_id}?done={done}")

    prefix = "/admin/accounts"
    return [
        Route(prefix, listing, methods=["GET"]),
        Route(f"{prefix}/new", new, methods=["GET"]),
        Route(f"{prefix}/new", create, methods=["POST"]),
        Route(prefix + "/{account_id}", detail, methods=["GET"]),
        Route(prefix + "/{account_id}/memberships", add_membership, methods=["POST"]),
        Route(
            prefix + "/{account_id}/memberships/{membership_id}/remove",
            remove_membership,
            methods=["POST"],
        ),
        Route(prefix + "/{account_id}/tokens", issue, methods=["POST"]),
        Route(prefix + "/{account_id}/disable", standing, methods=["POST"]),
        Route(prefix + "/{account_id}/enable", standing, methods=["POST"]),
        Route(prefix + "/{account_id}/tokens/{token_id}/revoke", revoke, methods=["POST"]),
    ]
