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
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.catalogue.models import Work
from exchange.db.table import table
from exchange.errors import NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.matching.candidates import Shortlist
from exchange.messages import N_
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.partners.models import Partner, PartnerStatus
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, ResourceRequest

MAX_SUGGESTIONS = 100
_LINE = table(RequestLine)
_REQUEST = table(ResourceRequest)
_OFFER = table(Offer)
FULL_SCORE = 100


@dataclass(frozen=True, slots=True)
class Suggestion:
    offer_line: OfferLine
    available: int
    exact: bool
    score: int


def _subject_matches(dialect: str, offered: sa.CTE) -> sa.ColumnElement[bool]:
    """The offered work's subjects hold the request line's subject (case-blind on SQLite,
    whose JSON has no containment operator: there each open line's subjects are read out
    of their JSON once, ``_subjects_of``, not once per request line)."""
    if dialect == "postgresql":
        clause = "open_line.subjects @> jsonb_build_array(request_line.subject)"
        return sa.text(clause)  # type: ignore[return-value]
    subjects = _subjects_of(offered)
    return sa.exists().where(
        subjects.c.offer_line_id == offered.c.offer_line_id,
        subjects.c.subject == sa.func.lower(_LINE.c.subject),
    )


def _subjects_of(offered: sa.CTE) -> sa.CTE:
    """Each subject of each open line, lower-cased (SQLite's ``json_each``)."""
    each = sa.func.json_each(offered.c.subjects).table_valued("value").alias("subject_value")
    return (
        sa.select(offered.c.offer_line_id, sa.func.lower(each.c.value).label("subject"))
        .select_from(offered)
        .join(each, sa.true())
        .cte("open_subject")
        .prefix_with("MATERIALIZED")
    )


def _stated(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(column, "") != ""


def _open_lines() -> sa.CTE:
    """Every offer line that may be suggested (open offer, not expired, active donor,
    copies left) with its work's attributes: read once per query and kept (MATERIALIZED),
    so a described need is compared with it without a lookup per pair."""
    available = col(OfferLine.quantity) - col(OfferLine.allocated)
    columns: list[Any] = [
        col(OfferLine.id).label("offer_line_id"),
        col(OfferLine.work_id).label("work_id"),
        col(Offer.partner_id).label("partner_id"),
        available.label("available"),
        col(Offer.expires_at).label("expires_at"),
        col(Work.language).label("language"),
        col(Work.level).label("level"),
        col(Work.kind).label("kind"),
        col(Work.subjects).label("subjects"),
    ]
    return (
        sa.select(*columns)
        .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
        .join(Partner, col(Partner.id) == col(Offer.partner_id))
        .join(Work, col(Work.id) == col(OfferLine.work_id))
        .where(
            _OFFER.c.state == OfferState.OPEN.value,
            _OFFER.c.expires_at > clock.now(),
            col(Partner.status) == PartnerStatus.ACTIVE.value,
            available > 0,
        )
        .cte("open_line")
        .prefix_with("MATERIALIZED")
    )


def _candidates(
    dialect: str, line_ids: Sequence[uuid.UUID], exact_lines: bool, offered: sa.CTE
) -> sa.Select[Any]:
    """Offer lines (of ``offered``) that could fill each of ``line_ids`` naming a work
    (``exact_lines``) or describing a need, with what is left, whether it is the very
    work, and the score."""
    if exact_lines:
        joined = offered.c.work_id == _LINE.c.work_id
        exact_rank: sa.ColumnElement[int] = sa.literal(1)
        score: sa.ColumnElement[int] = sa.literal(FULL_SCORE)
        relevant: sa.ColumnElement[bool] = sa.true()
    else:
        criteria = [
            (_stated(_LINE.c.subject), _subject_matches(dialect, offered)),
            (_stated(_LINE.c.language), offered.c.language == _LINE.c.language),
            (_stated(_LINE.c.level), offered.c.level == _LINE.c.level),
            (_stated(_LINE.c.kind), offered.c.kind == _LINE.c.kind),
        ]
        met_each = [sa.and_(stated, matches) for stated, matches in criteria]
        met = sum((sa.case((m, 1), else_=0) for m in met_each), sa.literal(0))
        stated_count = sum((sa.case((s, 1), else_=0) for s, _ in criteria), sa.literal(0))
        # integer division on both databases: whole percentages, rounded down
        score = sa.cast(met * FULL_SCORE, sa.Integer) // sa.case(
            (stated_count == 0, 1), else_=stated_count
        )
        # the subject's test reads the work's JSON: the cheap column tests go first
        cheap_first = [*met_each[1:], met_each[0]]
        joined, exact_rank, relevant = sa.true(), sa.literal(0), sa.or_(*cheap_first)
    columns: list[Any] = [
        _LINE.c.id.label("request_line_id"),
        offered.c.offer_line_id,
        offered.c.available,
        exact_rank.label("exact"),
        score.label("score"),
        offered.c.expires_at,
    ]
    return (
        sa.select(*columns)
        .select_from(_LINE)
        .join(_REQUEST, _REQUEST.c.id == _LINE.c.request_id)
        .join(offered, joined)
        .where(
            _LINE.c.id.in_(line_ids),
            # an expression, not the column: the lines come by their ids (primary key),
            # never by a scan of every line without a work (the work_id index)
            sa.case((_LINE.c.work_id.is_(None), 0), else_=1) == int(exact_lines),
            offered.c.partner_id != _REQUEST.c.partner_id,
            relevant,
        )
    )


async def _ranked(
    session: AsyncSession, line_ids: Sequence[uuid.UUID], first: int
) -> dict[uuid.UUID, list[Suggestion]]:
    """The best ``first`` suggestions of each request line, in one statement: the
    candidates of every line, scored once (kept, MATERIALIZED) and numbered per line by
    rank (exact first, then score, then the offer expiring soonest, then the oldest line).
    A line names a work or describes a need, never both: each kind is ranked apart."""
    result: dict[uuid.UUID, list[Suggestion]] = {line_id: [] for line_id in line_ids}
    if not line_ids:
        return result
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    offered = _open_lines()
    kept = []
    for exact_lines in (True, False):
        candidate = (
            _candidates(dialect, line_ids, exact_lines, offered)
            .cte("exact_candidate" if exact_lines else "need_candidate")
            .prefix_with("MATERIALIZED")
        )
        order = (candidate.c.score.desc(), candidate.c.expires_at, candidate.c.offer_line_id)
        rank = sa.func.row_number().over(partition_by=candidate.c.request_line_id, order_by=order)
        numbered = sa.select(candidate, rank.label("rank")).subquery()
        kept.append(sa.select(numbered).where(numbered.c.rank <= first))
    ranked = sa.union_all(*kept).subquery("ranked")
    statement = (
        select(OfferLine, ranked.c.request_line_id, ranked.c.available, ranked.c.exact)
        .add_columns(ranked.c.score)
        .join(ranked, ranked.c.offer_line_id == col(OfferLine.id))
        .order_by(ranked.c.request_line_id, ranked.c.rank)
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    for offer_line, line_id, left, exact, score in rows:
        key = line_id if isinstance(line_id, uuid.UUID) else uuid.UUID(str(line_id))
        result[key].append(Suggestion(offer_line, int(left), bool(exact), int(score)))
    return result


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
            Suggestion(offered, offered.quantity - offered.allocated, exact, score)
            for offered in await shortlist.load(chosen)
        ]
        if len(found) == first:
            break
    return found


def _work_has_subject(dialect: str, subject: str) -> sa.ColumnElement[bool]:
    """The work (table ``work``) lists ``subject`` among its subjects, as ``_candidates``
    tests it for many lines at once."""
    if dialect == "postgresql":
        return sa.text("work.subjects @> CAST(:subject_json AS jsonb)").bindparams(
            subject_json=f"[{json.dumps(subject)}]"
        )  # type: ignore[return-value]
    return sa.text(
        "EXISTS (SELECT 1 FROM json_each(work.subjects)"
        " WHERE lower(json_each.value) = lower(:subject))"
    ).bindparams(subject=subject)  # type: ignore[return-value]


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
    """``suggestions`` of many request lines (each with its request and requester) in one
    query: line id to its ranked offer lines, empty for a line whose request the identity
    may not see suggestions of. ``first`` is trusted (1 to ``MAX_SUGGESTIONS``)."""
    requests_seen = {request.id: (request, requester) for _line, request, requester in lines}
    allowed = policy.allowed_many(
        identity,
        "suggestion.read",
        [requests.resource(request, requester) for request, requester in requests_seen.values()],
    )
    permitted = {rid for rid, ok in zip(requests_seen, allowed, strict=True) if ok}
    wanted = [line.id for line, request, _ in lines if request.id in permitted]
    found = await _ranked(session, wanted, first)
    return {line.id: found.get(line.id, []) for line, _request, _requester in lines}
