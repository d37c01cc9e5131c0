"""The pages' templates, and who a page is rendered for: the visitor's language, the
signed-in session and its CSRF token (masked afresh in every response)."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from exchange import errors, text
from exchange.identity import sessions
from exchange.identity.identity import ANONYMOUS, Identity
from exchange.pages.i18n import Language, language_of
from exchange.runtime import Runtime

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "web" / "templates"
SESSION_COOKIE = "sx_session"


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
    # jinja2.ext.i18n adds this attribute at run time (Environment.extend); Environment
    # does not declare it, so the type checker cannot know it (jinja2 ignores it too)
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


def lifetimes_of(runtime: Runtime) -> sessions.Lifetimes:
    settings = runtime.settings
    return sessions.Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )
