"""Suggestions: offer lines that could fill a request line, best first.

Ranking by ``score``, 0 to 100, higher is better: the share of what the request line asks
that the offer line meets. A line of the very work requested meets all of it (100); for a
described need each stated criterion (subject, language, level, kind) weighs the same, so 2
of 4 met scores 50, and a need stating only a subject scores 100 when it matches. Offers
that are not open, have expired, or belong to a suspended partner never appear, nor do
lines with nothing left; what is left is ``quantity - allocated``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.catalogue.models import Work
from exchange.errors import NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.matching.candidates import Shortlist
from exchange.offers.models import OfferLine
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine

MAX_SUGGESTIONS = 100
FULL_SCORE = 100


@dataclass(frozen=True, slots=True)
class Suggestion:
    offer_line: OfferLine
    available: int
    exact: bool
    score: int


def _subject_matches(dialect: str, subject: str) -> sa.ColumnElement[bool]:
    if dialect == "postgresql":
        return sa.text("work.subjects @> CAST(:subject_json AS jsonb)").bindparams(
            subject_json=f"[{json.dumps(subject)}]"
        )  # type: ignore[return-value]
    return sa.text(
        "EXISTS (SELECT 1 FROM json_each(work.subjects)"
        " WHERE lower(json_each.value) = lower(:subject))"
    ).bindparams(subject=subject)  # type: ignore[return-value]


async def suggestions(
    identity: Identity,
    request_line_id: uuid.UUID,
    first: int = 20,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> list[Suggestion]:
    """Ranked offer lines for a request line (coordinators, and the requester's librarians)."""
    if not 1 <= first <= MAX_SUGGESTIONS:
        raise ValidationFailed.single(
            "first", "out_of_range", f"first must be between 1 and {MAX_SUGGESTIONS}"
        )
    line = await session.get(RequestLine, request_line_id)
    if line is None:
        raise NotFound("request line", request_line_id)
    request, requester = await requests.load(session, line.request_id)
    policy.require(identity, "suggestion.read", requests.resource(request, requester))
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    shortlist = Shortlist(session, request.partner_id, clock.now())
    found: list[Suggestion] = []
    for works, score, exact in await _groups(session, line, dialect):
        chosen = await shortlist.best(works, first - len(found))
        found += [
            Suggestion(offered, offered.quantity - offered.allocated, exact, score)
            for offered in await shortlist.load(chosen)
        ]
        if len(found) == first:
            break
    return found


async def _groups(
    session: AsyncSession, line: RequestLine, dialect: str
) -> list[tuple[list[uuid.UUID], int, bool]]:
    """The works whose lines are candidates, in groups of equal rank: (works, their
    score, exact), best first.

    The score depends on the work alone, so a described need's lines fall into at most
    four groups — works meeting all its criteria, then one fewer, … — ranked one group
    after another and, within a group, by expiry and id. Scoring the works once (their
    subjects tested once per work, not once per line) and fetching each group's lines
    only until enough are found replaces scoring and sorting every open line."""
    if line.work_id is not None:
        return [([line.work_id], FULL_SCORE, True)]
    parts: list[sa.ColumnElement[bool]] = []
    if line.subject:
        parts.append(_subject_matches(dialect, line.subject))
    if line.language:
        parts.append(col(Work.language) == line.language)
    if line.level:
        parts.append(col(Work.level) == line.level)
    if line.kind:
        parts.append(col(Work.kind) == line.kind)
    if not parts:
        return []
    met = sum((sa.case((p, 1), else_=0) for p in parts), sa.literal(0))
    scored = (await session.exec(select(Work.id, met).where(sa.or_(*parts)))).all()
    by_count: dict[int, list[uuid.UUID]] = {}
    for work_id, count in scored:
        by_count.setdefault(int(count), []).append(work_id)
    # whole percentages, rounded down
    return [
        (by_count[count], count * FULL_SCORE // len(parts), False)
        for count in sorted(by_count, reverse=True)
    ]
