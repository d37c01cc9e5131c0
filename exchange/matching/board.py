"""Suggestions of many request lines at once (the matching board, a request's page) in a
number of statements that does not grow with the number of lines, at a cost that grows
with what the page shows rather than with the open market: the rule of ``service`` (exact
first, then score, then the offer expiring soonest, then the oldest line), applied to
offer lines read in rank order only until every line has enough.

1. The offer lines that may be suggested (open, unexpired offer of an active partner,
   copies left), each with its donor and its work's criteria (language, level, kind,
   subjects), are read in rank order within a score group — the offer's expiry, then
   the line's id (UUIDs as their 128-bit values, as PostgreSQL's ``uuid``, SQLite's hex
   text and Python's ``UUID`` all compare; see ``candidates``).
   The named works' lines: one statement, all of them (few, by the ``work_id`` index).
   The market, for the described needs: one statement per chunk — the first
   ``FIRST_BATCH`` lines, then twice as many after the last one read (keyset), … —
   each chunk ordered on the narrow rows of lines and offers, the works' criteria joined
   to the chunk only. A need's score groups (all ``k`` stated criteria met, then
   ``k - 1``, …) fill in rank order; it is answered once its best group has ``first``
   lines, and the reading stops when every need is — or at the end of the market, when
   a need's best group holds fewer (then the whole market is read, as before).
2. Lines with the same need and requester share the answer; a requester's own lines are
   skipped.
3. One statement loads the chosen offer lines, each with its donor.

Subjects compare as the databases compare them in ``service``: exactly on PostgreSQL
(JSON containment), ASCII-case-blind on SQLite (``lower``).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from exchange import clock
from exchange.catalogue.models import Work
from exchange.db.table import table
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.partners.models import Partner, PartnerStatus
from exchange.requests.models import RequestLine

FULL_SCORE = 100
FIRST_BATCH = 128  # lines read first; each next chunk doubles, up to LAST_BATCH
LAST_BATCH = 2048
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

Need = tuple[str | None, str | None, str | None, str | None]  # subject, language, level, kind
Pick = tuple[str, int, bool, int]  # offer line id (``key_of``), available, exact, score

# a market row: line id, work id, available, donor (ids as ``key_of``), language, level,
# kind, subjects (as ``_subject_key`` gives them)
_LINE, _WORK, _AVAILABLE, _DONOR, _LANGUAGE, _LEVEL, _KIND, _SUBJECTS = range(8)
_NEED_CELLS = (_SUBJECTS, _LANGUAGE, _LEVEL, _KIND)  # a ``Need``'s criteria, in order


def _raw(column: Any, dialect: str) -> Any:
    """``column`` as the database's text, read without conversion."""
    if dialect == "postgresql":
        return sa.cast(column, sa.Text)
    return sa.type_coerce(column, sa.String)


def key_of(value: uuid.UUID, dialect: str) -> str:
    """An id as ``_raw`` reads it: PostgreSQL's text form, SQLite's 32 hex digits."""
    return str(value) if dialect == "postgresql" else value.hex


def _key(column: Any, dialect: str) -> Any:
    """``column`` as the rank order compares it: SQLite's stored text, PostgreSQL's own
    type (``timestamptz``, ``uuid``) — read back and bound again unchanged."""
    return column if dialect == "postgresql" else sa.type_coerce(column, sa.String)


@functools.cache
def _chunk(dialect: str, named: bool, after: bool) -> Select[*tuple[Any, ...]]:
    """The offer lines that may be suggested (open at ``:now``), in rank order within a
    score group: those of the works ``:named`` when ``named`` (all: they are few, found
    by the ``work_id`` index), else the next ``:size`` — after the key (``:expires``,
    ``:line``) when ``after`` — ranked without their works (narrow rows to order), the
    works' criteria joined to the chosen lines only. Built once."""
    source: Any = table(OfferLine)
    if named:
        # the few lines of the named works, by the ``work_id`` index; ``OFFSET 0`` keeps
        # them a subquery of their own, read first (else a planner without statistics
        # — SQLite's, PostgreSQL's on fresh tables — walks every open offer instead)
        source = (
            sa.select(source)
            .where(source.c.work_id.in_(sa.bindparam("named", expanding=True)))
            .offset(0)
            .subquery("named_line")
        )
    available = source.c.quantity - source.c.allocated
    expires, line = _key(col(Offer.expires_at), dialect), _key(source.c.id, dialect)
    lines = (
        sa.select(
            _raw(source.c.id, dialect).label("line"),
            source.c.work_id.label("work"),
            _raw(source.c.work_id, dialect).label("work_key"),
            available.label("available"),
            _raw(col(Offer.partner_id), dialect).label("donor"),
            expires.label("expires"),
            line.label("rank"),
        )
        .select_from(source)
        .join(Offer, col(Offer.id) == source.c.offer_id)
        .join(Partner, col(Partner.id) == col(Offer.partner_id))
        .where(
            col(Offer.state) == OfferState.OPEN.value,
            col(Offer.expires_at) > sa.bindparam("now", type_=table(Offer).c.expires_at.type),
            col(Partner.status) == PartnerStatus.ACTIVE.value,
            available > 0,
        )
    )
    if not named:  # the market, a chunk at a time
        lines = lines.order_by(expires, line).limit(sa.bindparam("size", type_=sa.Integer))
    if after:
        bound = (
            sa.bindparam("expires", type_=expires.type),
            sa.bindparam("line", type_=line.type),
        )
        lines = lines.where(sa.tuple_(expires, line) > sa.tuple_(*bound))
    chosen = lines.subquery()
    # sqlmodel.select types at most four columns; its Select class takes any number
    return Select(
        chosen.c.line,
        chosen.c.work_key,
        chosen.c.available,
        chosen.c.donor,
        col(Work.language),
        col(Work.level),
        col(Work.kind),
        _raw(col(Work.subjects), dialect),
        chosen.c.expires,
        chosen.c.rank,
    ).join(
        Work, col(Work.id) == chosen.c.work
    )  # in no order: ``_walk`` orders the chosen as the database did (``_key``)


def _subject_key(dialect: str, subject: str) -> str:
    return subject if dialect == "postgresql" else subject.translate(_ASCII_LOWER)


class Ranking:
    """One answer in the making: the first ``first`` lines (not the requester's) of each
    score group, filled from rows given in rank order. ``stated`` are the criteria as
    (row cell, value): a named work's is its id, exact; a need's its stated values."""

    __slots__ = ("_exact", "_first", "_groups", "_requester", "_stated")

    def __init__(
        self, stated: list[tuple[int, str]], requester: str, first: int, exact: bool
    ) -> None:
        self._stated, self._requester, self._first, self._exact = stated, requester, first, exact
        self._groups: list[list[tuple[str, int]]] = [[] for _ in range(len(stated) + 1)]

    @property
    def settled(self) -> bool:
        """The best group has enough (or nothing is stated): no later row can change
        the answer."""
        return not self._stated or len(self._groups[-1]) >= self._first

    def offer(self, row: tuple[Any, ...]) -> None:
        """Count ``row`` (the next in rank order) in its group, if it still matters."""
        if row[_DONOR] == self._requester:
            return
        met = 0
        for cell, value in self._stated:
            met += value in row[cell] if cell == _SUBJECTS else row[cell] == value
        if met and len(self._groups[met]) < self._first:
            self._groups[met].append((row[_LINE], row[_AVAILABLE]))

    def picks(self) -> list[Pick]:
        """Best first: groups from all criteria met down to one (score ``met * 100 //
        k``, whole percentages rounded down), each in rank order; ``first`` at most."""
        stated = len(self._stated)
        found: list[Pick] = []
        for met in range(stated, 0, -1):
            score = FULL_SCORE if self._exact else met * FULL_SCORE // stated
            found += [(line, left, self._exact, score) for line, left in self._groups[met]]
        return found[: self._first]


def for_work(work: str, requester: str, first: int) -> Ranking:
    """The lines of the very work requested (``key_of`` both ids): score 100, exact."""
    return Ranking([(_WORK, work)], requester, first, exact=True)


def for_need(need: Need, requester: str, first: int) -> Ranking:
    """The lines meeting ``need`` best: each stated criterion weighs the same."""
    stated = [(cell, value) for cell, value in zip(_NEED_CELLS, need, strict=True) if value]
    return Ranking(stated, requester, first, exact=False)


async def rank(
    session: AsyncSession,
    works: set[str],
    of_works: Sequence[Ranking],
    of_needs: Sequence[Ranking],
    dialect: str,
) -> None:
    """Fill the rankings (step 1): ``of_works`` (``for_work``) from the lines of the
    ``works`` they name (ids as ``key_of`` gives them), ``of_needs`` (``for_need``) from
    the market, each read only as long as a ranking is not settled."""
    if of_works:
        named = [uuid.UUID(work) for work in works]
        await _walk(session, named, list(of_works), dialect)
    if of_needs:
        await _walk(session, [], list(of_needs), dialect)


async def _walk(
    session: AsyncSession, named: list[uuid.UUID], pending: list[Ranking], dialect: str
) -> None:
    """Offer the lines (of the works ``named``, or all) to the ``pending`` rankings in
    rank order, a chunk at a time (``FIRST_BATCH`` lines, each next chunk twice as
    many), until none is pending or the lines end. A chunk's lines are ordered here on
    their keys as read — SQLite's texts, PostgreSQL's ``datetime`` and ``UUID`` — the
    order the databases give (UUIDs compare as their 128-bit values in Python too)."""
    subjects_of: dict[str | None, frozenset[str]] = {}  # a work's subjects (JSON text)
    params: dict[str, Any] = {"now": clock.now()}
    params |= {"named": named} if named else {"size": FIRST_BATCH}
    after = False
    while pending:
        statement = _chunk(dialect, bool(named), after)
        found = (await session.exec(statement, params=params)).all()
        rows = sorted(found, key=lambda row: (row[-2], row[-1]))
        for row in rows:
            text = row[_SUBJECTS]
            if text not in subjects_of:
                listed = json.loads(text) if text else []
                subjects_of[text] = frozenset(_subject_key(dialect, str(s)) for s in listed)
            cells = (*row[:_SUBJECTS], subjects_of[text])
            for ranking in pending:
                ranking.offer(cells)
        pending = [ranking for ranking in pending if not ranking.settled]
        if named or len(rows) < params["size"]:
            return
        after = True
        params |= {"expires": rows[-1][-2], "line": rows[-1][-1]}
        params["size"] = min(2 * params["size"], LAST_BATCH)


def need_of(line: RequestLine, dialect: str) -> Need:
    """The stated criteria of a described need (an empty value is not stated)."""
    subject = _subject_key(dialect, line.subject) if line.subject else None
    return (subject, _text(line.language), _text(line.level), _text(line.kind))


def _text(value: object) -> str | None:
    """A criterion's value as the column holds it (an enum's value), None when empty."""
    text = str(getattr(value, "value", value)) if value is not None else ""
    return text or None


async def load(session: AsyncSession, keys: Sequence[str]) -> dict[str, tuple[OfferLine, Partner]]:
    """The offer lines of ``keys`` (step 3; ids as ``key_of`` gives them), each with its
    donor (its offer's partner), by key: one statement."""
    if not keys:
        return {}
    ids = {uuid.UUID(key): key for key in keys}
    statement = (
        select(OfferLine, Partner)
        .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
        .join(Partner, col(Partner.id) == col(Offer.partner_id))
        .where(col(OfferLine.id).in_(ids))
    )
    return {ids[line.id]: (line, donor) for line, donor in (await session.exec(statement)).all()}
