"""Picking a partner on an admin form among any number of them, without JavaScript: the
search text is looked up in the partner directory ("Find" re-renders the form with the
matches to choose from, as the catalogue's work picker does), and a form posted with
only the search text takes the one partner it names. The service still checks the
partner chosen (it may not exist, or not be the admin's to name)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import errors
from exchange.identity.identity import Identity
from exchange.pages import web
from exchange.pages.i18n import N_
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.runtime import Runtime

T = TypeVar("T")
MATCHES_SHOWN = 20
MAX_QUERY = 200
NO_MATCH = N_("No partner matches. Try another part of its name.")
SEVERAL = N_("Several partners match: choose one.")


NOT_AN_ID = N_("This is not the id of a partner: choose one from the list.")


def partner_id(raw: str, field: str = "partner") -> uuid.UUID | None:
    """The partner a form or query names by ``raw``: ``None`` when it names none (empty),
    the id otherwise. The one reading of a partner's id on the pages: ``ValidationFailed``
    (``field``, ``invalid``) for text that is no id, never a silent fall back to the
    visitor's own partner (the service says "not found" of an id that names no partner
    the visitor may see, and checks what the visitor may do for one)."""
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise errors.ValidationFailed.single(field, "invalid", NOT_AN_ID) from None


def required_partner_id(raw: str, problems: list[errors.FieldError]) -> uuid.UUID | None:
    """The partner a form must name (``partner_id``): its id, or ``None`` with the reason
    appended to ``problems`` (field ``partner``: text that is no id, or none chosen)."""
    try:
        found = partner_id(raw)
    except errors.ValidationFailed as error:
        problems.extend(error.errors)
        return None
    if found is None:
        problems.append(errors.FieldError("partner", "required", N_("Choose a partner.")))
    return found


@dataclass
class PartnerChoice:
    """The picker as posted: the partner chosen from the matches (its id), and the text
    searched for."""

    chosen: str = ""
    query: str = ""

    @classmethod
    def parse(cls, data: FormData) -> PartnerChoice:
        def text(name: str, limit: int) -> str:
            value = data.get(name, "")
            return value.strip()[:limit] if isinstance(value, str) else ""

        return cls(text("partner", 40), text("partner_query", MAX_QUERY))


async def matches(runtime: Runtime, identity: Identity, query: str) -> list[Partner]:
    """The partners whose names hold ``query`` (at most ``MATCHES_SHOWN``, oldest first;
    the one partner an id names). ``ValidationFailed`` on ``partner`` for a search the
    directory refuses (too long, a character it forbids)."""
    try:
        named = uuid.UUID(query)
    except ValueError:
        named = None
    async with runtime.db.read() as session:
        if named is not None:
            found = await partners.get_many(
                identity, [named], session=session, policy=runtime.policy
            )
            return list(found.values())
        try:
            page = await partners.list(
                identity,
                partners.PartnerFilter(search=query),
                PageRequest.parse(MATCHES_SHOWN, None),
                session=session,
                policy=runtime.policy,
            )
        except errors.ValidationFailed as error:
            message = error.errors[0].message if error.errors else NO_MATCH
            raise errors.ValidationFailed.single("partner", "invalid", message) from None
    return list(page.items)


@dataclass(frozen=True, slots=True)
class Picked:
    """What the picker settles: the partner id to act on (as posted, or the one match of
    the search text; "" when none), the matches to show again, and why it could not settle
    (none or several partners match), if so."""

    chosen: str
    matches: list[Partner]
    problem: errors.FieldError | None = None

    @property
    def failure(self) -> errors.ValidationFailed:
        """The problem as the error pages show beside the field."""
        return errors.ValidationFailed([self.problem] if self.problem else [])


async def find(runtime: Runtime, identity: Identity, choice: PartnerChoice) -> Picked:
    """ "Find": the partners the search text names, the choice kept when it is among them;
    never raises (a search the directory refuses is the problem)."""
    try:
        found = await matches(runtime, identity, choice.query)
    except errors.ValidationFailed as error:
        return Picked(choice.chosen, [], error.errors[0])
    return Picked(choice.chosen, found)


async def pick(runtime: Runtime, identity: Identity, choice: PartnerChoice) -> Picked:
    """The partner the form names: the one chosen from the matches, else the only one the
    search text finds. Never raises: a search the directory refuses is the problem."""
    if choice.chosen or not choice.query:
        return Picked(choice.chosen, [])
    try:
        found = await matches(runtime, identity, choice.query)
    except errors.ValidationFailed as error:
        return Picked("", [], error.errors[0])
    named = [p for p in found if choice.query.casefold() in _names(p)]
    if len(found) == 1 or len(named) == 1:  # the only match, or the one it names exactly
        return Picked(str((named or found)[0].id), found)
    code, message = ("ambiguous", SEVERAL) if found else ("not_found", NO_MATCH)
    return Picked("", found, errors.FieldError("partner", code, message))


def checked(picked: Picked, check: Callable[[], T]) -> T:
    """``check()``'s value (the form's own validation), once the picker has settled; else
    ``ValidationFailed`` with the picker's problem in place of the form's partner error,
    beside the form's other errors."""
    problems = [] if picked.problem is None else [picked.problem]
    try:
        value = check()
    except errors.ValidationFailed as error:
        rest = [e for e in error.errors if not (problems and e.field == "partner")]
        raise errors.ValidationFailed(problems + rest) from None
    if problems:
        raise errors.ValidationFailed(problems)
    return value


def _names(partner: Partner) -> set[str]:
    return {str(n["value"]).casefold() for n in partner.names}


def routes(runtime: Runtime) -> list[Route]:
    async def suggest(request: Request) -> Response:
        """The partners whose names hold ``q``, as JSON for the page's script to offer while
        one types (``/static/partner-picker.js``): ``{"partners": [{"id", "name", "lang",
        "country"}]}``, at most ``MATCHES_SHOWN``. Signed-in visitors only; the directory
        answers with what the visitor may read."""
        who = await web.visitor(request, runtime)
        if who.session is None:
            return JSONResponse({"error": "sign in"}, status_code=401)
        query = request.query_params.get("q", "").strip()[:MAX_QUERY]
        try:
            found = await matches(runtime, who.identity, query) if query else []
        except errors.ValidationFailed:
            found = []
        listed = [
            {
                "id": str(p.id),
                "name": p.preferred_name,
                "lang": p.names[0]["lang"] if p.names else "und",
                "country": p.country,
            }
            for p in found
        ]
        return JSONResponse({"partners": listed}, headers={"Cache-Control": "no-store"})

    return [Route("/admin/partner-suggestions", suggest, methods=["GET"])]
