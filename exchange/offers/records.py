"""Offers and their lines as read for showing: plain rows, read by SQLAlchemy Core.

A page of 50 offers shows 150 lines. Read as ORM objects, each row was an instance with
its instrumented state in the session's identity map, every attribute read went through
a descriptor, and the session's close walked them all again: some 15 % of the GraphQL
offers page's CPU time (py-spy, PostgreSQL; ``bench/graphql_vs_raw.py``). What only shows offers
reads them as these records instead: immutable tuples with the columns' names, which
nothing writes back (changes go through ``service`` and its ORM rows).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.db.table import table
from exchange.offers.models import Offer, OfferLine, OfferState, effective_state


class OfferRecord(NamedTuple):
    """The columns of an ``offer`` row (``models.Offer``)."""

    id: uuid.UUID
    partner_id: uuid.UUID
    state: str
    expires_at: datetime
    terms: str
    licence: str | None
    created_at: datetime
    updated_at: datetime

    def effective_state(self, now: datetime) -> OfferState:
        return effective_state(self.state, self.expires_at, now)


class OfferLineRecord(NamedTuple):
    """The columns of an ``offer_line`` row (``models.OfferLine``)."""

    id: uuid.UUID
    offer_id: uuid.UUID
    work_id: uuid.UUID
    quantity: int
    allocated: int
    format: str
    condition: str | None

    @property
    def available(self) -> int:
        return self.quantity - self.allocated


OFFER, LINE = table(Offer), table(OfferLine)
OFFER_COLUMNS = tuple(OFFER.c[name] for name in OfferRecord._fields)
_LINES = (
    sa.select(*(LINE.c[name] for name in OfferLineRecord._fields))
    .where(LINE.c.offer_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(LINE.c.id)
)


@functools.cache
def listing(
    own: bool, partner: bool, state: OfferState | None, work: bool, after: bool
) -> sa.Select[Any]:
    """The SELECT of a page of offers, one per shape of the listing (built once: no
    statement to build and key for the compiled cache per request). What it selects is
    bound: ``own`` (expanding: the offers of these partners, drafts too; without it, all
    of them), ``partner_id``, ``now`` (for the open and expired states), ``work_id``,
    ``after`` (the cursor's id) and ``limit``; oldest first (``service.listed``)."""
    statement = sa.select(*OFFER_COLUMNS)
    if own:
        mine = OFFER.c.partner_id.in_(sa.bindparam("own", expanding=True))
        statement = statement.where((OFFER.c.state != OfferState.DRAFT.value) | mine)
    if partner:
        statement = statement.where(OFFER.c.partner_id == sa.bindparam("partner_id"))
    now = sa.bindparam("now", type_=OFFER.c.expires_at.type)
    if state is OfferState.OPEN:
        statement = statement.where(
            OFFER.c.state == OfferState.OPEN.value, OFFER.c.expires_at > now
        )
    elif state is OfferState.EXPIRED:
        statement = statement.where(
            (OFFER.c.state == OfferState.EXPIRED.value)
            | ((OFFER.c.state == OfferState.OPEN.value) & (OFFER.c.expires_at <= now))
        )
    elif state is not None:
        statement = statement.where(OFFER.c.state == state.value)
    if work:
        named = sa.select(LINE.c.offer_id).where(LINE.c.work_id == sa.bindparam("work_id"))
        statement = statement.where(OFFER.c.id.in_(named))
    if after:
        statement = statement.where(OFFER.c.id > sa.bindparam("after"))
    return statement.order_by(OFFER.c.id).limit(sa.bindparam("limit", type_=sa.Integer))


async def lines_of(
    offer_ids: Iterable[uuid.UUID], *, session: AsyncSession
) -> dict[uuid.UUID, list[OfferLineRecord]]:
    """The lines of offers the caller has already been allowed to read, by offer id
    (every id given is a key), each offer's in id order: one SELECT."""
    wanted = list(set(offer_ids))
    result: dict[uuid.UUID, list[OfferLineRecord]] = {i: [] for i in wanted}
    if not wanted:
        return result
    connection = await session.connection()
    make = OfferLineRecord._make
    for row in await connection.execute(_LINES, {"ids": wanted}):
        result[row.offer_id].append(make(row))
    return result
