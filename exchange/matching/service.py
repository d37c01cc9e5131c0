"""Suggestions: offer lines that could fill a request line, best first.

Ranking by ``score``, 0 to 100, higher is better: the share of what the request line asks
that the offer line meets. A line of the very work requested meets all of it (100); for a
described need each stated criterion (subject, language, level, kind) weighs the same, so 2
of 4 met scores 50, and a need stating only a subject scores 100 when it matches. Offers
that are not open, have expired, or belong to a suspended partner never appear, nor do
lines with nothing left; what is left is ``quantity - allocated``.
"""

from __future__ import annotations

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
from exchange.messages import N_
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.partners.models import Partner, PartnerStatus
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, ResourceRequest

MAX_SUGGESTIONS = 100
_LINE = table(RequestLine)
_OFFER = table(Offer)
FULL_SCORE = 100


@dataclass(frozen=True, slots=True)
class Suggestion:
    offer_line: OfferLine
    available: int
    exact: bool
    score: int


def _subject_matches(dialect: str) -> sa.ColumnElement[bool]:
    """The work's subjects hold the request line's subject (case-blind on SQLite, whose
    JSON has no containment operator)."""
    if dialect == "postgresql":
        clause = "work.subjects @> jsonb_build_array(request_line.subject)"
    else:
        clause = (
            "EXISTS (SELECT 1 FROM json_each(work.subjects)"
            " WHERE lower(json_each.value) = lower(request_line.subject))"
        )
    return sa.text(clause)  # type: ignore[return-value]


def _stated(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(column, "") != ""


def _candidates(dialect: str, line_ids: Sequence[uuid.UUID], exact_lines: bool) -> sa.Select[Any]:
    """Offer lines that could fill each of ``line_ids`` naming a work (``exact_lines``) or
    describing a need, with what is left, whether it is the very work, and the score."""
    available = col(OfferLine.quantity) - col(OfferLine.allocated)
    if exact_lines:
        joined = col(OfferLine.work_id) == col(RequestLine.work_id)
        exact_rank: sa.ColumnElement[int] = sa.literal(1)
        score: sa.ColumnElement[int] = sa.literal(FULL_SCORE)
        relevant: sa.ColumnElement[bool] = sa.true()
    else:
        criteria = [
            (_stated(_LINE.c.subject), _subject_matches(dialect)),
            (_stated(_LINE.c.language), col(Work.language) == col(RequestLine.language)),
            (_stated(_LINE.c.level), col(Work.level) == col(RequestLine.level)),
            (_stated(_LINE.c.kind), col(Work.kind) == col(RequestLine.kind)),
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
        col(RequestLine.id).label("request_line_id"),
        col(OfferLine.id).label("offer_line_id"),
        available.label("available"),
        exact_rank.label("exact"),
        score.label("score"),
        col(Offer.expires_at).label("expires_at"),
    ]
    return (
        sa.select(*columns)
        .select_from(RequestLine)
        .join(ResourceRequest, col(ResourceRequest.id) == col(RequestLine.request_id))
        .join(OfferLine, joined)
        .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
        .join(Partner, col(Partner.id) == col(Offer.partner_id))
        .join(Work, col(Work.id) == col(OfferLine.work_id))
        .where(
            col(RequestLine.id).in_(line_ids),
            _LINE.c.work_id.is_not(None) if exact_lines else _LINE.c.work_id.is_(None),
            _OFFER.c.state == OfferState.OPEN.value,
            _OFFER.c.expires_at > clock.now(),
            col(Partner.status) == PartnerStatus.ACTIVE.value,
            col(Offer.partner_id) != col(ResourceRequest.partner_id),
            available > 0,
            relevant,
        )
    )


async def _ranked(
    session: AsyncSession, line_ids: Sequence[uuid.UUID], first: int
) -> dict[uuid.UUID, list[Suggestion]]:
    """The best ``first`` suggestions of each request line, in one statement: the
    candidates of every line, numbered per line by rank (exact first, then score, then
    the offer expiring soonest, then the oldest line)."""
    result: dict[uuid.UUID, list[Suggestion]] = {line_id: [] for line_id in line_ids}
    if not line_ids:
        return result
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    union = sa.union_all(
        _candidates(dialect, line_ids, True), _candidates(dialect, line_ids, False)
    ).subquery("candidate")
    order = (union.c.exact.desc(), union.c.score.desc(), union.c.expires_at, union.c.offer_line_id)
    rank = sa.func.row_number().over(partition_by=union.c.request_line_id, order_by=order)
    ranked = sa.select(union, rank.label("rank")).subquery("ranked")
    statement = (
        select(OfferLine, ranked.c.request_line_id, ranked.c.available, ranked.c.exact)
        .add_columns(ranked.c.score)
        .join(ranked, ranked.c.offer_line_id == col(OfferLine.id))
        .where(ranked.c.rank <= first)
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
    return (await _ranked(session, [line.id], first))[line.id]


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
