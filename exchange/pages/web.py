"""What every page shares: the templates, the visitor's language, the signed-in session and
its CSRF check. Routes stay thin: parse the form, call one service, ``render``."""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange import errors, messages, text
from exchange.identity import sessions
from exchange.identity.identity import ANONYMOUS, Identity
from exchange.pages.form_stream import FormStream
from exchange.pages.i18n import N_, Language, language_of
from exchange.pages.rejected import FormRejected as FormRejected  # re-exported (app)
from exchange.pagination import encode_cursor
from exchange.runtime import Runtime

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "web" / "templates"
SESSION_COOKIE = "sx_session"
# Before sign-in there is no session to tie a CSRF token to: the sign-in form carries the
# value of this cookie (double submit, OWASP CSRF Prevention), so no other site can sign a
# visitor in to an account of its choosing.
PRESESSION_COOKIE = "sx_presession"
MAX_FORM_BYTES = 64 * 1024
LARGEST_INTEGER = 2**31 - 1  # what an INTEGER column holds (SQL standard, PostgreSQL, SQLite)


def _printable(value: Any) -> Any:
    """Every text a page shows, without the characters XML 1.0 forbids (a value typed with
    a NUL is shown, next to its error, without it)."""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        return value  # nothing forbidden, already NFC: most of a page's texts and ids
    if isinstance(value, Markup):
        return Markup(text.strip(str(value))[0])  # noqa: S704 (already escaped)
    if isinstance(value, str):
        return text.strip(value)[0]
    return value


@functools.cache
def templates() -> Jinja2Templates:
    """The pages' templates, each compiled when first rendered. Jinja is imported by the
    first page, not when the server starts (issue 15)."""
    import jinja2
    from starlette.templating import Jinja2Templates

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        finalize=_printable,
    )
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    return Jinja2Templates(env=env)


class Visitor:
    """The request's language, and who is signed in (``None`` for a visitor)."""

    def __init__(self, language: Language, session: sessions.Resumed | None, secret: str):
        self.language = language
        self.session = session
        self._secret = secret

    @functools.cached_property
    def csrf(self) -> str:
        """The token every form that changes something must carry: the session's token
        masked afresh for each response (``masked``), the same in all its forms."""
        return masked(sessions.csrf_token(self._secret)) if self.session else ""

    @property
    def identity(self) -> Identity:
        """Who acts: the signed-in account, else anonymous."""
        return self.session.identity if self.session else ANONYMOUS

    def csrf_valid(self, form: FormData) -> bool:
        submitted = form.get("csrf")
        return (
            self.session is not None
            and isinstance(submitted, str)
            and sessions.csrf_valid(self._secret, unmasked(submitted))
        )


# Pages are compressed (gzip) and carry the CSRF token beside text a visitor typed (a
# search): a token repeated byte for byte in every response could be guessed from the
# compressed sizes (BREACH, CVE-2013-3587). So each response carries it XORed with a fresh
# random pad, pad first (as Django does); ``unmasked`` takes the pad off.
def masked(token: str) -> str:
    """``token`` (hex) as pad + (token XOR pad), in hex; a new pad at every call."""
    raw = bytes.fromhex(token)
    pad = secrets.token_bytes(len(raw))
    return (pad + bytes(a ^ b for a, b in zip(pad, raw, strict=True))).hex()


def unmasked(value: str) -> str:
    """The token inside ``masked(token)``; "" for anything that is not one."""
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return ""
    if not raw or len(raw) % 2:
        return ""
    half = len(raw) // 2
    return bytes(a ^ b for a, b in zip(raw[:half], raw[half:], strict=True)).hex()


async def visitor(request: Request, runtime: Runtime) -> Visitor:
    """Who is asking, in which language. A session that is unknown, signed out or expired
    counts as no session (the page then offers to sign in)."""
    language = language_of(request)
    secret = request.cookies.get(SESSION_COOKIE, "")
    if not secret:
        return Visitor(language, None, "")
    lifetimes = lifetimes_of(runtime)
    try:
        async with runtime.db.read() as session:
            resumed = await sessions.resume(session, secret, lifetimes=lifetimes)
    except errors.Unauthenticated:
        return Visitor(language, None, "")
    if resumed.stale:
        async with runtime.db.unit_of_work() as uow:
            await sessions.touch(secret, uow=uow)
    return Visitor(language, resumed, secret)


async def read_form(request: Request) -> FormData:
    """The posted form; ``FormRejected`` past ``MAX_FORM_BYTES`` declared (a body without
    a length is bounded by the instance's body limit), when it cannot be parsed (no file
    fields on these forms, at most 500 fields), or when a name or value is not UTF-8, in
    either encoding a form may come in (Starlette would keep U+FFFD, or latin-1 mojibake
    from a multipart body, in place of what was sent)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        raise FormRejected(413, N_("The form is too large."))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        _require_utf8(await request.body())
    elif content_type == "multipart/form-data":
        stream = FormStream(request)
        await stream.read_fields()
        if stream.filename is not None:
            raise FormRejected(400, N_("The form could not be read."))
        return FormData([(name, value) for name, value in stream.items])
    try:
        return await request.form(max_files=0, max_fields=500)
    except (HTTPException, MultiPartException, ValueError):
        raise FormRejected(400, N_("The form could not be read.")) from None


def _require_utf8(body: bytes) -> None:
    """``FormRejected`` (400) when a name or value of an urlencoded ``body`` is not UTF-8
    once percent-decoded (WHATWG URL, application/x-www-form-urlencoded parsing): Starlette
    would store U+FFFD in place of each bad byte, silently changing what was typed."""
    for pair in body.split(b"&"):
        try:
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise FormRejected(400, N_("The form is not valid UTF-8 text.")) from None


def whole_number(raw: object, field: str, *, low: int = 0, high: int) -> int:
    """The whole number typed in ``field`` (ASCII digits 0-9 only, surrounding spaces
    ignored), between ``low`` and ``high`` included. The one parser of numbers on the pages:
    ``str.isdigit`` also accepts "²" and other digits ``int`` refuses, and an unbounded
    number overflows the database's integers.

    Raises ``ValidationFailed`` naming ``field``: code ``invalid`` for anything that is not
    digits, ``out_of_range`` outside [``low``, ``high``] (checked on the length first, so
    a huge number is never converted)."""
    value = raw.strip() if isinstance(raw, str) else ""
    if not (value.isascii() and value.isdigit()):
        raise errors.ValidationFailed.single(field, "invalid", "Enter a whole number.")
    if len(value.lstrip("0")) > len(str(high)) or not low <= int(value) <= high:
        message = messages.N_("between {low} and {high}", low=low, high=high)
        raise errors.ValidationFailed.single(field, "out_of_range", message)
    return int(value)


def on_form_rejected(runtime: Runtime) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The page for a ``FormRejected`` (an exception handler of the application)."""

    async def handler(request: Request, error: Exception) -> Response:
        assert isinstance(error, FormRejected)
        who = await visitor(request, runtime)
        message = who.language.gettext(error.message)
        return error_page(request, who, message, error.status_code)

    return handler


async def member(request: Request, runtime: Runtime) -> Visitor | Response:
    """The signed-in visitor; else the redirect to sign in and back here, or, for a form
    posted after the session ended (there is no page to come back to at a POST's address),
    the error page (401) linking to sign-in and back to the form."""
    who = await visitor(request, runtime)
    if who.session is None:
        if request.method not in ("GET", "HEAD"):
            message = who.language.gettext(
                "You are not signed in, so the form was not sent. Sign in, then send it again."
            )
            return error_page(request, who, message, 401)
        return redirect(f"/signin?next={request.url.path}")
    return who


async def posted(request: Request, runtime: Runtime) -> tuple[Visitor, FormData] | Response:
    """The signed-in visitor and the form it posted with its session's CSRF token; else
    the redirect to sign in, or the refusal (403) of a form without the token."""
    who = await member(request, runtime)
    if isinstance(who, Response):
        return who
    data = await read_form(request)
    if not who.csrf_valid(data):
        return forbidden(request, who)
    return who, data


def render(
    request: Request,
    who: Visitor,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The template in the visitor's language, with what the layout needs."""
    values: dict[str, Any] = {
        "lang": who.language.code,
        "visitor": who.session,
        "csrf": who.csrf,
        **who.language.template_globals(),
        **(context or {}),
    }
    response = templates().TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Content-Language"] = who.language.code
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def redirect(url: str) -> RedirectResponse:
    """After a POST that changed something: see the result with a GET (303)."""
    return RedirectResponse(url, status_code=303)


def secure_cookies(request: Request, runtime: Runtime) -> bool:
    """Cookies are ``Secure`` when the instance is served over HTTPS."""
    public = getattr(runtime.settings, "public_url", "") or ""
    return request.url.scheme == "https" or str(public).startswith("https:")


def lifetimes_of(runtime: Runtime) -> sessions.Lifetimes:
    settings = runtime.settings
    return sessions.Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def new_presession() -> str:
    return secrets.token_urlsafe(24)


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
    message = who.language.gettext("Nothing is here, or it is not yours to see.")
    return error_page(request, who, message, 404)


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


def cursor_of(entity_id: uuid.UUID) -> str:
    return encode_cursor(entity_id)
