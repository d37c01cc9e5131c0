"""Fetching one score group's candidate lines, best first, without scoring or sorting
every open line — and without depending on the planner's statistics (a bulk load leaves
PostgreSQL's stale until autovacuum's next analyse; SQLite has none unless asked).

A candidate is a line with something left (``quantity > allocated``) of an open,
unexpired offer of an active partner other than the requester, ranked by the offer's
expiry, then the line's id. ``Shortlist`` reads the open offers once, in expiry order
(index ``offer(state, expires_at)``), then for each group of works either

* fetches the group's lines by the ``work_id`` index when they are few (``NARROW``), or
* walks the open offers in expiry order, in growing batches that end where the expiry
  changes, fetching the lines of those offers (``offer_id`` index) until it has enough:
  everything ranked before the last batch's end is then known.

Either way the order is made here on (expiry, id) — the same total order the databases
give: UUIDs compare as their 128-bit values, as PostgreSQL's ``uuid`` and SQLite's hex
text both sort.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.db.table import table
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.partners.models import Partner, PartnerStatus

NARROW = 400  # a group's lines few enough to fetch all by work
NARROW_WORKS = 500  # works few enough to name in one IN list
FIRST_BATCH = 2  # offers in the walk's first batch; each next batch doubles

_LINES, _OFFERS, _PARTNERS = table(OfferLine), table(Offer), table(Partner)
_LEFT = _LINES.c.quantity > _LINES.c.allocated
_OPEN = (
    select(_OFFERS.c.id, _OFFERS.c.expires_at)
    .join(_PARTNERS, _PARTNERS.c.id == _OFFERS.c.partner_id)
    .where(
        _OFFERS.c.state == OfferState.OPEN.value,
        _OFFERS.c.expires_at > sa.bindparam("now"),
        _PARTNERS.c.status == PartnerStatus.ACTIVE.value,
        _OFFERS.c.partner_id != sa.bindparam("requester"),
    )
    .order_by(_OFFERS.c.expires_at)
)
_BY_WORK = select(_LINES.c.id, _LINES.c.offer_id).where(
    _LINES.c.work_id.in_(sa.bindparam("works", expanding=True)), _LEFT
)
_BY_OFFER = select(_LINES.c.id, _LINES.c.offer_id, _LINES.c.work_id).where(
    _LINES.c.offer_id.in_(sa.bindparam("offers", expanding=True)), _LEFT
)
_LOAD = (
    select(OfferLine, Partner)
    .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
    .join(Partner, col(Partner.id) == col(Offer.partner_id))
    .where(col(OfferLine.id).in_(sa.bindparam("ids", expanding=True)))
)

Key = tuple[datetime, uuid.UUID]  # (offer expiry, line id): the rank within a group


class Shortlist:
    """The candidates of one request, group by group."""

    def __init__(self, session: AsyncSession, requester: uuid.UUID, now: datetime) -> None:
        self._session = session
        self._params = {"requester": requester, "now": now}
        self._open: list[tuple[uuid.UUID, datetime]] | None = None

    async def _offers(self) -> list[tuple[uuid.UUID, datetime]]:
        if self._open is None:
            rows = (await self._session.exec(_OPEN, params=self._params)).all()
            self._open = [(row[0], row[1]) for row in rows]
        return self._open

    async def best(self, works: Sequence[uuid.UUID], wanted: int) -> list[uuid.UUID]:
        """The ids of the first ``wanted`` candidates among ``works``, in rank order."""
        offers = await self._offers()
        expiry = dict(offers)
        if len(works) <= NARROW_WORKS:
            params = {"works": list(works)}
            statement = _BY_WORK.limit(NARROW + 1)
            rows = (await self._session.exec(statement, params=params)).all()
            if len(rows) <= NARROW:
                keys = [(expiry[o], line) for line, o in rows if o in expiry]
                return [line for _, line in sorted(keys)[:wanted]]
        return await self._walk(offers, set(works), wanted)

    async def _walk(
        self, offers: list[tuple[uuid.UUID, datetime]], works: set[uuid.UUID], wanted: int
    ) -> list[uuid.UUID]:
        keys: list[Key] = []
        start, size = 0, FIRST_BATCH
        while start < len(offers) and len(keys) < wanted:
            end = min(start + size, len(offers))
            while end < len(offers) and offers[end][1] == offers[end - 1][1]:
                end += 1  # a batch never splits offers of one expiry
            batch = dict(offers[start:end])
            params = {"offers": list(batch)}
            rows = (await self._session.exec(_BY_OFFER, params=params)).all()
            keys += [(batch[o], line) for line, o, work in rows if work in works]
            start, size = end, size * 2
        return [line for _, line in sorted(keys)[:wanted]]

    async def load(self, ids: list[uuid.UUID]) -> list[tuple[OfferLine, Partner]]:
        """The lines of ``ids``, in that order, each with its donor (its offer's partner)."""
        if not ids:
            return []
        found = (await self._session.exec(_LOAD, params={"ids": ids})).all()
        by_id = {line.id: (line, donor) for line, donor in found}
        return [by_id[i] for i in ids]
