"""The one error page, and how a page says a domain refusal: ``error_page`` with its ways
on (back, home, sign-in), ``not_found`` and ``forbidden``, ``refused`` with the status one
table (``status_of``) gives each kind of domain error, and a refusal said beside a form's
fields (``form_errors``)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlencode, urlsplit

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from exchange import errors
from exchange.pages.rejected import NOTHING_HERE, Rejected
from exchange.pages.rendering import SESSION_COOKIE, Visitor, render, visitor
from exchange.runtime import Runtime


def on_rejected(runtime: Runtime) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The page for a ``Rejected`` request (an exception handler of the application)."""

    async def handler(request: Request, error: Exception) -> Response:
        assert isinstance(error, Rejected)
        who = await visitor(request, runtime)
        message = who.language.gettext(error.message)
        return error_page(request, who, message, error.status_code)

    return handler


def field_errors(
    who: Visitor, error: errors.ValidationFailed, where: Callable[[str], str] = str
) -> dict[str, str]:
    """Each field's first message, in the visitor's language, keyed by the form field
    (``where`` maps a domain field name to it)."""
    shown: dict[str, str] = {}
    for problem in error.errors:
        shown.setdefault(where(problem.field), who.language.say(problem.message))
    return shown


def form_errors(
    who: Visitor,
    error: errors.ExchangeError,
    *,
    fields: Mapping[str, str] | None = None,
    conflict: str,
    missing: str | None = None,
) -> dict[str, str] | None:
    """Where a form shows a domain refusal, field (of the form) -> message in the visitor's
    language: each field error by its field (``fields`` renames the domain's names), a
    ``Conflict`` at ``conflict``, a ``NotFound`` at ``missing``. ``None`` for any other
    refusal (a denial, a missing record the form does not name): the route refuses the
    page instead (``refused``, ``not_found``)."""
    if isinstance(error, errors.ValidationFailed):
        renamed = fields or {}
        return field_errors(who, error, lambda name: renamed.get(name, name))
    if isinstance(error, errors.Conflict):
        return {conflict: described(who, error)}
    if isinstance(error, errors.NotFound) and missing is not None:
        return {missing: described(who, error)}
    return None


def described(who: Visitor, error: errors.ExchangeError) -> str:
    """What the domain says of ``error``, in the visitor's language, as HTML: the one place
    pages turn a domain error into words (messages carry their templates and the records
    they name, ``exchange.messages``; a record is said by its name and linked, never by
    its id)."""
    language = who.language
    if isinstance(error, errors.ValidationFailed) and error.errors:
        return Markup("; ").join(
            Markup("{}: {}").format(language.field(p.field), language.say_html(p.message))
            for p in error.errors
        )
    return language.say_html(error.message)


def came_from(request: Request) -> str | None:
    """The page of this instance the visitor came from (path and query), from the
    ``Referer`` a browser sends to its own origin (``Referrer-Policy: same-origin``); ``None``
    when there is none, it names another origin, or it is the address just read (a form
    posted to the address of its own page did come from there)."""
    parts = urlsplit(request.headers.get("referer", "")[:2000])
    if not parts.path or parts.netloc != request.url.netloc or parts.scheme != request.url.scheme:
        return None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    shown = local_path(target, "")
    reading = request.method in ("GET", "HEAD")
    return shown if shown and not (reading and shown == here) else None


def error_page(
    request: Request, who: Visitor, message: str, status_code: int, *, first_page: str = ""
) -> Response:
    """The one error page: ``message``, and the ways on from it: to ``first_page`` when
    given, back to the page the visitor came from, to their dashboard (the directory for a
    visitor), and, when nobody is signed in, to sign-in (then back), saying so when a
    session cookie was sent but its session has ended (expired, signed out)."""
    back = came_from(request)
    signed_in = who.session is not None
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    again = here if request.method in ("GET", "HEAD") else None
    resume = back or again or "/dashboard"
    context = {
        "message": message,
        "back": back,
        "home": "/dashboard" if signed_in else "/",
        "signin": None if signed_in else "/signin?" + urlencode({"next": resume}),
        "expired": not signed_in and bool(request.cookies.get(SESSION_COOKIE)),
        "first_page": first_page,
    }
    return render(request, who, "error.html", context, status_code=status_code)


def forbidden(request: Request, who: Visitor) -> Response:
    """A form without this session's CSRF token: nothing is done."""
    message = who.language.gettext("The form expired. Please try again.")
    return error_page(request, who, message, 403)


def not_found(request: Request, who: Visitor) -> Response:
    return error_page(request, who, who.language.gettext(NOTHING_HERE), 404)


# One table maps domain errors to the pages' status codes (the GraphQL adapter has its own).
_STATUS = (
    (errors.NotFound, 404),
    (errors.PermissionDenied, 403),
    (errors.Unauthenticated, 401),
    (errors.ValidationFailed, 400),
    (errors.Conflict, 409),
)


def status_of(error: errors.ExchangeError) -> int:
    """The HTTP status a domain error calls for on the pages."""
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 400)


def refused(request: Request, who: Visitor, error: errors.ExchangeError) -> Response:
    """A page saying why an action was refused, with the status its kind calls for (a
    list's page cursor it never handed out: ``stale_cursor``)."""
    if isinstance(error, errors.InvalidCursor):
        return stale_cursor(request, who)
    return error_page(request, who, described(who, error), status_of(error))


def stale_cursor(request: Request, who: Visitor) -> Response:
    """A list asked from an ``after`` cursor it never handed out (tampered with, cut short,
    copied from another list): 400, said plainly, with a link to the same list from its
    first page (its other query parameters kept)."""
    message = who.language.gettext("This page link is no longer valid; start from the first page.")
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "after"])
    first = request.url.path + (f"?{kept}" if kept else "")
    return error_page(request, who, message, 400, first_page=first)


def proposed(request: Request, who: Visitor, owner: uuid.UUID, back: str) -> Response:
    """The action was on a record another instance owns: it travels there as a proposal
    (202 Accepted: taken, not yet done)."""
    context = {"owner": str(owner), "back": back}
    return render(request, who, "proposed.html", context, status_code=202)


def local_path(target: str | None, default: str) -> str:
    """``target`` when it is a path on this instance, else ``default`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc or "\\" in target else target
