"""What every page shares: the signed-in visitor, the posted form and its CSRF check, the
numbers and ids a page parses, and (re-exported from ``rendering`` and ``error_pages``) the
templates and the error page. Routes stay thin: parse the form, call one service,
``render``."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import unquote_to_bytes

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange import errors, messages
from exchange.pages.error_pages import came_from as came_from
from exchange.pages.error_pages import described as described
from exchange.pages.error_pages import error_page as error_page
from exchange.pages.error_pages import field_errors as field_errors
from exchange.pages.error_pages import forbidden as forbidden
from exchange.pages.error_pages import form_errors as form_errors
from exchange.pages.error_pages import local_path as local_path
from exchange.pages.error_pages import not_found as not_found
from exchange.pages.error_pages import on_rejected as on_rejected
from exchange.pages.error_pages import proposed as proposed
from exchange.pages.error_pages import refused as refused
from exchange.pages.error_pages import status_of as status_of
from exchange.pages.form_stream import FormStream
from exchange.pages.i18n import N_
from exchange.pages.rejected import FormRejected as FormRejected
from exchange.pages.rejected import PathNotFound as PathNotFound
from exchange.pages.rejected import Rejected as Rejected
from exchange.pages.rendering import SESSION_COOKIE as SESSION_COOKIE
from exchange.pages.rendering import TEMPLATE_DIR as TEMPLATE_DIR
from exchange.pages.rendering import Visitor as Visitor
from exchange.pages.rendering import lifetimes_of as lifetimes_of
from exchange.pages.rendering import masked as masked
from exchange.pages.rendering import render as render
from exchange.pages.rendering import templates as templates
from exchange.pages.rendering import unmasked as unmasked
from exchange.pages.rendering import visitor as visitor
from exchange.pagination import encode_cursor
from exchange.runtime import Runtime

# Before sign-in there is no session to tie a CSRF token to: the sign-in form carries the
# value of this cookie (double submit, OWASP CSRF Prevention), so no other site can sign a
# visitor in to an account of its choosing.
PRESESSION_COOKIE = "sx_presession"
MAX_FORM_BYTES = 64 * 1024


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


def path_id(request: Request, name: str) -> uuid.UUID:
    """The UUID the path parameter ``name`` names; ``PathNotFound`` when it is not one,
    which the application answers with the not-found page (404), as for an unknown id."""
    try:
        return uuid.UUID(request.path_params[name])
    except ValueError:
        raise PathNotFound from None


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


def redirect(url: str) -> RedirectResponse:
    """After a POST that changed something: see the result with a GET (303)."""
    return RedirectResponse(url, status_code=303)


def secure_cookies(request: Request, runtime: Runtime) -> bool:
    """Cookies are ``Secure`` when the instance is served over HTTPS."""
    public = getattr(runtime.settings, "public_url", "") or ""
    return request.url.scheme == "https" or str(public).startswith("https:")


def new_presession() -> str:
    return secrets.token_urlsafe(24)


def cursor_of(entity_id: uuid.UUID) -> str:
    return encode_cursor(entity_id)
