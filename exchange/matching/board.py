"""Suggestions of many request lines at once (the matching board, a request's page) in a
fixed number of statements, whatever the number of lines: the rule of ``service``
(exact first, then score, then the offer expiring soonest, then the oldest line), applied
to one read of the open market instead of scoring every (request line, offer line) pair
in SQL.

1. One statement reads every offer line that may be suggested (open, unexpired offer of
   an active partner, copies left) with its donor, its offer's expiry and its work's
   criteria (language, level, kind, subjects) — only the named works' lines when no
   line describes a need.
2. In memory, the lines are numbered in rank order within a score group (expiry, then
   id) and indexed by work and by each criterion's value. A described need's score
   groups (all of its ``k`` criteria met, then ``k - 1``, …) are intersections and unions
   of those index sets; each group is read only until the line has enough. Lines with the
   same need and requester share the answer.
3. One statement loads the chosen offer lines.

Subjects compare as the databases compare them in ``service``: exactly on PostgreSQL
(JSON containment), ASCII-case-blind on SQLite (``lower``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.catalogue.models import Work
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.partners.models import Partner, PartnerStatus
from exchange.requests.models import RequestLine

FULL_SCORE = 100
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
CRITERIA = ("subject", "language", "level", "kind")

Need = tuple[str | None, str | None, str | None, str | None]  # subject, language, level, kind
Pick = tuple[str, int, bool, int]  # offer line id (``key_of``), available, exact, score


@dataclass
class Market:
    """The open offer lines, numbered in rank order (expiry, then id), with indexes."""

    ids: list[str] = field(default_factory=list)  # ids as ``key_of`` gives them
    available: list[int] = field(default_factory=list)
    by_work: dict[str, list[int]] = field(default_factory=dict)
    by_partner: dict[str, set[int]] = field(default_factory=dict)
    # criterion -> value -> positions whose work has that value
    by_value: dict[str, dict[str, set[int]]] = field(
        default_factory=lambda: {c: {} for c in CRITERIA}
    )

    def own(self, partner: str) -> set[int]:
        return self.by_partner.get(partner, set())


def _raw(column: Any, dialect: str) -> Any:
    """``column`` as the database's text, read without conversion (ids and subjects are
    converted only for the few lines chosen, or once per distinct value)."""
    if dialect == "postgresql":
        return sa.cast(column, sa.Text)
    return sa.type_coerce(column, sa.String)


def key_of(value: uuid.UUID, dialect: str) -> str:
    """An id as ``_raw`` reads it: PostgreSQL's text form, SQLite's 32 hex digits."""
    return str(value) if dialect == "postgresql" else value.hex


def _statement(named: set[uuid.UUID], needs: bool, dialect: str) -> sa.Select[Any]:
    available = col(OfferLine.quantity) - col(OfferLine.allocated)
    columns: list[Any] = [
        _raw(col(OfferLine.id), dialect),
        _raw(col(OfferLine.work_id), dialect),
        available,
        _raw(col(Offer.partner_id), dialect),
        col(Work.language),
        col(Work.level),
        col(Work.kind),
        _raw(col(Work.subjects), dialect),
        # SQLite's text is what it orders by; PostgreSQL's timestamps come as they are
        col(Offer.expires_at) if dialect == "postgresql" else _raw(col(Offer.expires_at), dialect),
    ]
    statement = (
        sa.select(*columns)
        .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
        .join(Partner, col(Partner.id) == col(Offer.partner_id))
        .join(Work, col(Work.id) == col(OfferLine.work_id))
        .where(
            col(Offer.state) == OfferState.OPEN.value,
            col(Offer.expires_at) > clock.now(),
            col(Partner.status) == PartnerStatus.ACTIVE.value,
            available > 0,
        )
    )
    if not needs:
        statement = statement.where(col(OfferLine.work_id).in_(named))
    return statement


def _subject_key(dialect: str, subject: str) -> str:
    return subject if dialect == "postgresql" else subject.translate(_ASCII_LOWER)


async def read_market(
    session: AsyncSession,
    works: set[str],
    needs: set[Need],
    requesters: set[str],
    dialect: str,
) -> Market:
    """The open market (step 1) indexed (step 2) for what a page asks: the lines of the
    ``works`` named, by work; the lines of each value a need in ``needs`` states, by
    criterion and value; and each of the ``requesters``' own lines. Only the named works'
    lines are read when no need is described. Ids are kept as ``key_of`` gives them."""
    market = Market()
    if not works and not needs:
        return market
    named = {uuid.UUID(work) for work in works}
    statement = _statement(named, bool(needs), dialect)
    read = (await session.exec(statement)).all()  # type: ignore[call-overload]
    # rank order within a score group: expiry, then id — sorted here rather than by the
    # database, in the same order: ids as their 128-bit values (``key_of``'s texts sort
    # so, as PostgreSQL's uuid and SQLite's hex text do; see ``candidates``)
    rows = sorted(read, key=lambda row: (row[8], row[0]))
    wanted = [{v for need in needs if (v := need[n])} for n in range(len(CRITERIA))]
    indexes = [{value: set[int]() for value in values} for values in wanted]
    market.by_value = dict(zip(CRITERIA, indexes, strict=True))
    subject_index, *column_indexes = indexes
    own = market.by_partner = {requester: set() for requester in requesters}
    by_work = market.by_work = {work: [] for work in works}
    subjects_of: dict[str, list[set[int]]] = {}  # a work's subjects (JSON text): their sets
    for position, row in enumerate(rows):
        market.ids.append(row[0])
        market.available.append(int(row[2]))
        if row[1] in by_work:
            by_work[row[1]].append(position)
        if row[3] in own:
            own[row[3]].add(position)
        for index, value in zip(column_indexes, row[4:7], strict=True):
            if value in index:
                index[value].add(position)
        if subject_index:
            text = row[7] or "[]"
            if text not in subjects_of:
                keys = {_subject_key(dialect, str(s)) for s in json.loads(text)}
                subjects_of[text] = [subject_index[k] for k in keys if k in subject_index]
            for found in subjects_of[text]:
                found.add(position)
    return market


def need_of(line: RequestLine, dialect: str) -> Need:
    """The stated criteria of a described need (an empty value is not stated)."""
    subject = _subject_key(dialect, line.subject) if line.subject else None
    return (subject, _text(line.language), _text(line.level), _text(line.kind))


def _text(value: object) -> str | None:
    """A criterion's value as the column holds it (an enum's value), None when empty."""
    text = str(getattr(value, "value", value)) if value is not None else ""
    return text or None


def rank_work(market: Market, work: str, requester: str, first: int) -> list[Pick]:
    """The lines of the very work requested (``key_of`` both ids), best first (score
    100, exact)."""
    own = market.own(requester)
    chosen = [p for p in market.by_work.get(work, []) if p not in own][:first]
    return [(market.ids[p], market.available[p], True, FULL_SCORE) for p in chosen]


def rank_need(market: Market, need: Need, requester: str, first: int) -> list[Pick]:
    """The lines meeting ``need`` best, best first: each score group (``met`` of the
    ``k`` stated criteria, score ``met * 100 // k``, whole percentages rounded down) in
    rank order, groups read from all criteria met down to one, until ``first``."""
    stated = [
        market.by_value[criterion].get(value, set())
        for criterion, value in zip(CRITERIA, need, strict=True)
        if value
    ]
    own = market.own(requester)
    found: list[Pick] = []
    better: set[int] = set()  # positions meeting more criteria than the group read
    for met in range(len(stated), 0, -1):
        group: set[int] = set()
        for chosen in combinations(stated, met):
            group |= set.intersection(*chosen)
        group -= better
        better |= group
        score = met * FULL_SCORE // len(stated)
        wanted = first - len(found)
        found += [
            (market.ids[p], market.available[p], False, score) for p in sorted(group - own)[:wanted]
        ]
        if len(found) == first:
            break
    return found


async def load(session: AsyncSession, keys: Sequence[str]) -> dict[str, OfferLine]:
    """The offer lines of ``keys`` (step 3; ids as ``key_of`` gives them), by key."""
    if not keys:
        return {}
    ids = {uuid.UUID(key): key for key in keys}
    statement = select(OfferLine).where(col(OfferLine.id).in_(ids))
    return {ids[line.id]: line for line in (await session.exec(statement)).all()}
