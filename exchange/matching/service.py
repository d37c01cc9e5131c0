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
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.catalogue.models import Work
from exchange.errors import NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.matching import board
from exchange.matching.candidates import Shortlist
from exchange.messages import N_
from exchange.offers.models import OfferLine
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, ResourceRequest

MAX_SUGGESTIONS = 100
FULL_SCORE = board.FULL_SCORE


@dataclass(frozen=True, slots=True)
class Suggestion:
    offer_line: OfferLine
    available: int
    exact: bool
    score: int
    donor: Partner  # the partner offering the line (its offer's), read with it


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
            "first",
            "out_of_range",
            N_("first must be between 1 and {max_suggestions}", max_suggestions=MAX_SUGGESTIONS),
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
            Suggestion(offered, offered.quantity - offered.allocated, exact, score, donor)
            for offered, donor in await shortlist.load(chosen)
        ]
        if len(found) == first:
            break
    return found


def _work_has_subject(dialect: str, subject: str) -> sa.TextClause:
    """The work (table ``work``) lists ``subject`` among its subjects, as ``_candidates``
    tests it for many lines at once."""
    if dialect == "postgresql":
        return sa.text("work.subjects @> CAST(:subject_json AS jsonb)").bindparams(
            subject_json=f"[{json.dumps(subject)}]"
        )
    return sa.text(
        "EXISTS (SELECT 1 FROM json_each(work.subjects)"
        " WHERE lower(json_each.value) = lower(:subject))"
    ).bindparams(subject=subject)


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
    parts: list[sa.ColumnExpressionArgument[bool]] = []
    if line.subject:
        parts.append(_work_has_subject(dialect, line.subject))
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


async def suggestions_for(
    identity: Identity,
    lines: Sequence[tuple[RequestLine, ResourceRequest, Partner]],
    first: int,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> dict[uuid.UUID, list[Suggestion]]:
    """``suggestions`` of many request lines (each with its request and requester) in a
    number of statements that does not grow with theirs (``board``: the named works'
    lines, the market read in rank order a chunk at a time only until every need has
    enough — one chunk on a market where the needs are met — then the chosen lines):
    line id to its ranked offer lines, empty for a line whose request the identity may
    not see suggestions of. ``first`` is trusted (1 to ``MAX_SUGGESTIONS``)."""
    requests_seen = {request.id: (request, requester) for _line, request, requester in lines}
    allowed = policy.allowed_many(
        identity,
        "suggestion.read",
        [requests.resource(request, requester) for request, requester in requests_seen.values()],
    )
    permitted = {rid for rid, ok in zip(requests_seen, allowed, strict=True) if ok}
    wanted = [(line, request) for line, request, _ in lines if request.id in permitted]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    asks: list[tuple[uuid.UUID, str | board.Need, str]] = [
        (
            line.id,
            board.key_of(line.work_id, dialect) if line.work_id else board.need_of(line, dialect),
            board.key_of(request.partner_id, dialect),
        )
        for line, request in wanted
    ]
    rankings: dict[tuple[str | board.Need, str], board.Ranking] = {}
    for _, asked, requester in asks:  # lines with the same ask share the answer
        if (asked, requester) not in rankings:
            rankings[asked, requester] = (
                board.for_work(asked, requester, first)
                if isinstance(asked, str)
                else board.for_need(asked, requester, first)
            )
    await board.rank(
        session,
        {asked for _, asked, _ in asks if isinstance(asked, str)},
        [r for (asked, _), r in rankings.items() if isinstance(asked, str)],
        [r for (asked, _), r in rankings.items() if not isinstance(asked, str)],
        dialect,
    )
    shared = {ask: ranking.picks() for ask, ranking in rankings.items()}
    picked = {line_id: shared[asked, requester] for line_id, asked, requester in asks}
    loaded = await board.load(session, [p[0] for found in shared.values() for p in found])
    return {
        line.id: [
            Suggestion(loaded[offer_line][0], left, exact, score, loaded[offer_line][1])
            for offer_line, left, exact, score in picked.get(line.id, [])
        ]
        for line, _request, _requester in lines
    }
