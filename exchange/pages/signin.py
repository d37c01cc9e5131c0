"""Sign in with e-mail and password, sign out, and switch the pages' language."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.identity import sessions
from exchange.identity import signin as limited_signin
from exchange.pages import web
from exchange.pages.i18n import COOKIE as LANGUAGE_COOKIE
from exchange.pages.i18n import LANGUAGES
from exchange.runtime import Runtime

ONE_YEAR = 365 * 24 * 3600


def routes(runtime: Runtime) -> list[Route]:
    limits = limited_signin.SignInLimits.from_settings(runtime.settings)

    def form(request: Request, who: web.Visitor, *, email: str = "", error: str = "") -> Response:
        presession = request.cookies.get(web.PRESESSION_COOKIE) or web.new_presession()
        response = web.render(
            request,
            who,
            "signin.html",
            {
                "email": email,
                "error": error,
                "presession": presession,
                "next": web.local_path(request.query_params.get("next"), ""),
            },
            status_code=401 if error else 200,
        )
        response.set_cookie(
            web.PRESESSION_COOKIE,
            presession,
            httponly=True,
            samesite="strict",
            secure=web.secure_cookies(request, runtime),
        )
        return response

    async def signin_page(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        if who.session is not None:
            return web.redirect("/dashboard")
        return form(request, who)

    async def signin(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        gettext = who.language.gettext
        data = await web.read_form(request)
        email = str(data.get("email", ""))
        password = str(data.get("password", ""))
        cookie = request.cookies.get(web.PRESESSION_COOKIE, "")
        submitted = str(data.get("presession", ""))
        if not cookie or not hmac.compare_digest(cookie, submitted):
            return form(
                request, who, email=email, error=gettext("The form expired. Please try again.")
            )
        try:
            _row, secret = await limited_signin.start_session(
                runtime.db,
                email,
                password,
                address=request.client.host if request.client else "unknown",
                limits=limits,
                lifetimes=web.lifetimes_of(runtime),
            )
        except errors.AccountDisabled:
            message = gettext("This account is disabled. An administrator can enable it again.")
            return form(request, who, email=email, error=message)
        except (errors.Unauthenticated, errors.ValidationFailed):
            return form(request, who, email=email, error=gettext("Wrong e-mail or password."))
        except errors.RateLimited as limited:
            message = gettext("Too many failed attempts. Please try again later.")
            refused = form(request, who, email=email, error=message)
            refused.status_code = 429
            refused.headers["Retry-After"] = str(limited.retry_after_seconds)
            return refused
        response = web.redirect(web.local_path(str(data.get("next", "")), "/dashboard"))
        response.set_cookie(
            web.SESSION_COOKIE,
            secret,
            max_age=runtime.settings.session_absolute_hours * 3600,
            httponly=True,
            samesite="lax",
            secure=web.secure_cookies(request, runtime),
        )
        response.delete_cookie(web.PRESESSION_COOKIE)
        return response

    async def signout(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        data = await web.read_form(request)
        if who.session is not None:
            if not who.csrf_valid(data):
                return web.forbidden(request, who)
            async with runtime.db.unit_of_work() as uow:
                await sessions.sign_out(request.cookies[web.SESSION_COOKIE], uow=uow)
        response = web.redirect("/")
        response.delete_cookie(web.SESSION_COOKIE)
        return response

    async def language(request: Request) -> Response:
        """``/language?set=ko&next=/path``: remember the choice, go back. A GET, since it
        changes only how pages read and is harmless to follow from anywhere."""
        chosen = request.query_params.get("set", "")
        response = web.redirect(web.local_path(request.query_params.get("next"), "/"))
        if chosen in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=ONE_YEAR,
                samesite="lax",
                secure=web.secure_cookies(request, runtime),
            )
        return response

    return [
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/language", language, methods=["GET"]),
    ]
