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
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.partners.models import Partner, PartnerStatus
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

    if line.work_id is not None:
        exact = col(OfferLine.work_id) == line.work_id
        score: sa.ColumnElement[int] = sa.literal(FULL_SCORE)
        relevant: sa.ColumnElement[bool] = exact
    else:
        exact = sa.false()
        parts: list[sa.ColumnElement[bool]] = []
        if line.subject:
            parts.append(_subject_matches(dialect, line.subject))
        if line.language:
            parts.append(col(Work.language) == line.language)
        if line.level:
            parts.append(col(Work.level) == line.level)
        if line.kind:
            parts.append(col(Work.kind) == line.kind)
        met = sum((sa.case((p, 1), else_=0) for p in parts), sa.literal(0))
        # integer division on both databases: whole percentages, rounded down
        score = sa.cast(met * FULL_SCORE, sa.Integer) // max(len(parts), 1)
        relevant = sa.or_(*parts) if parts else sa.false()

    now = clock.now()
    available = col(OfferLine.quantity) - col(OfferLine.allocated)
    exact_rank = sa.case((exact, 1), else_=0)
    statement = (
        select(OfferLine, available, exact_rank, score)
        .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
        .join(Partner, col(Partner.id) == col(Offer.partner_id))
        .join(Work, col(Work.id) == col(OfferLine.work_id))
        .where(
            Offer.state == OfferState.OPEN.value,
            col(Offer.expires_at) > now,
            Partner.status == PartnerStatus.ACTIVE.value,
            col(Offer.partner_id) != request.partner_id,
            available > 0,
            relevant,
        )
        .order_by(exact_rank.desc(), score.desc(), col(Offer.expires_at), col(OfferLine.id))
        .limit(first)
    )
    rows = (await session.exec(statement)).all()
    return [Suggestion(row[0], int(row[1]), bool(row[2]), int(row[3])) for row in rows]
