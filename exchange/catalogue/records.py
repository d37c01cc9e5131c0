"""Works as read for showing: plain rows, read by SQLAlchemy Core.

The works a page names (a page of 50 offers: some 50, one per line's work) are shown,
never changed, so they are read as ``WorkRecord`` tuples rather than ORM objects (no
instance state, identity map or descriptor per attribute read; see
``exchange.offers.records``), and without the search columns, which no one shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue.models import Work
from exchange.db.table import table
from exchange.identity.identity import Identity
from exchange.policy import PLATFORM, PolicyEngine


class WorkRecord(NamedTuple):
    """The shown columns of a ``work`` row (``models.Work`` without its search columns)."""

    id: uuid.UUID
    kind: str
    titles: list[dict[str, str]]
    publisher: str | None
    year: int | None
    language: str
    subjects: list[str]
    level: str | None
    course_number: str | None
    instructor: str | None
    duration_seconds: int | None
    available_digitally: bool
    created_by_partner_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


WORK = table(Work)
_BY_IDS = sa.select(*(WORK.c[name] for name in WorkRecord._fields)).where(
    WORK.c.id.in_(sa.bindparam("ids", expanding=True))
)


async def get_many(
    identity: Identity, ids: Iterable[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, WorkRecord]:
    """The works among ``ids`` that exist, by id: one SELECT. Raises ``PermissionDenied``
    unless the identity may search the catalogue ("work.search", as ``service.get_many``)."""
    policy.require(identity, "work.search", PLATFORM)
    wanted = list(set(ids))
    if not wanted:
        return {}
    connection = await session.connection()
    make = WorkRecord._make
    return {row.id: make(row) for row in await connection.execute(_BY_IDS, {"ids": wanted})}
