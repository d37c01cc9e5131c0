"""A page of works: filtered, and ranked by a full-text search when one is asked (``search``,
``lookup``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import lookup, search, validation
from exchange.catalogue.models import Work, WorkKind, WorkPartner
from exchange.identity.identity import Identity
from exchange.pagination import Page
from exchange.partners import service as partners
from exchange.policy import PLATFORM, PolicyEngine


@dataclass(frozen=True, slots=True)
class WorkFilter:
    search: str | None = None
    kind: WorkKind | None = None
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    partner_id: uuid.UUID | None = None
    available_digitally: bool | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    work: Work
    cursor: search.Cursor


# For this transaction only (set_config(..., true) is SET LOCAL), in one round trip; and
# the newest work's id, the bound of a first page's candidates (see "Pagination" in
# search), read in the same round trip (no max() of a uuid in PostgreSQL).
_PLAN = sa.literal_column("set_config('plan_cache_mode', 'force_custom_plan', true)", sa.Text())
_SEQSCAN = sa.literal_column("set_config('enable_seqscan', 'off', true)", sa.Text())
_NEWEST = sa.literal_column("(SELECT id FROM work ORDER BY id DESC LIMIT 1)", sa.Uuid())
_SEARCH_SETTINGS = select(_PLAN, _SEQSCAN)
_SEARCH_SETTINGS_AND_NEWEST = select(
    _PLAN.label("plan"), _SEQSCAN.label("seqscan"), _NEWEST.label("newest")
)


async def list(
    identity: Identity,
    filters: WorkFilter,
    first: int,
    after: search.Cursor | None,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Ranked]:
    """Works matching the filters: best match first when searching, else oldest first.
    A search that reads as an identifier (any usual spelling of an ISBN, ISSN or DOI)
    puts the work it names first (``lookup``). Filtering by a partner the identity may not
    see answers as if it did not exist."""
    policy.require(identity, "work.search", PLATFORM)
    if filters.partner_id is not None and not await partners.get_many(
        identity, [filters.partner_id], session=session, policy=policy
    ):
        return Page([], False)
    query = search.Query.parse(filters.search) if filters.search else None
    bound: uuid.UUID | None = None
    if query is None:
        score: sa.ColumnElement[float] = sa.literal(0.0, sa.Float())
        statement = select(Work, score)
    else:
        dialect = session.bind.dialect.name if session.bind else "sqlite"
        unfiltered = filters == WorkFilter(search=filters.search)
        if dialect == "postgresql":
            # The driver reuses prepared statements, and after five runs PostgreSQL may
            # switch to a generic plan that cannot see the query's words: a rare word
            # then scans the table. Plan every search for its own words. And the capped
            # candidate scan (LIMIT RANKED) looks cheap as a sequential scan that stops
            # early, but evaluating the match on every row it passes costs 3-30 ms at
            # 200,000 works, against 2-13 ms for the GIN indexes' bitmaps (measured).
            bound = after.bound if after is not None else None
            if unfiltered and bound is None:  # a first page of capped candidates
                settings = await session.exec(_SEARCH_SETTINGS_AND_NEWEST)
                _plan, _seqscan, bound = settings.one()
            else:
                await session.exec(_SEARCH_SETTINGS)
        cap = search.RANKED if unfiltered else None
        hits = search.hits(dialect, query, cap=cap, bound=bound)
        if named := lookup.recognize(filters.search or ""):  # its digits make it a query
            hits = lookup.combined(hits, named)
        if unfiltered:
            # Nothing to filter on ``work``: take the page from the index alone, so that
            # only its rows are joined (not every match).
            top = select(hits.c.work_id, hits.c.score)
            if after is not None:
                top = top.where(
                    sa.tuple_(hits.c.score, hits.c.work_id) > sa.tuple_(after.score, after.work_id)
                )
            hits = top.order_by(hits.c.score, hits.c.work_id).limit(first + 1).subquery("top")
        score = hits.c.score
        statement = select(Work, score).join(hits, hits.c.work_id == Work.id)
    if filters.kind:
        statement = statement.where(Work.kind == filters.kind.value)
    if filters.language:
        statement = statement.where(Work.language == validation.language(filters.language, []))
    if filters.year_from is not None:
        statement = statement.where(col(Work.year) >= filters.year_from)
    if filters.year_to is not None:
        statement = statement.where(col(Work.year) <= filters.year_to)
    if filters.partner_id is not None:
        co_authored = select(WorkPartner.work_id).where(
            WorkPartner.partner_id == filters.partner_id
        )
        statement = statement.where(
            (col(Work.created_by_partner_id) == filters.partner_id) | col(Work.id).in_(co_authored)
        )
    if filters.available_digitally is not None:
        statement = statement.where(Work.available_digitally == filters.available_digitally)
    if after is not None:
        if query is None:
            statement = statement.where(col(Work.id) > after.work_id)
        else:
            statement = statement.where(
                sa.tuple_(score, col(Work.id)) > sa.tuple_(after.score, after.work_id)
            )
    statement = statement.order_by(score, col(Work.id)).limit(first + 1)
    rows = (await session.exec(statement)).all()
    ranked = [Ranked(work, search.Cursor(float(s), work.id, bound)) for work, s in rows]
    return Page(ranked[:first], len(ranked) > first)
