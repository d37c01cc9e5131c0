"""Works by the time they last changed: what harvesters (OAI-PMH) page through.

Pages are ordered by (updated_at, id) and continue after the last pair seen, so a
harvester that resumes never skips nor repeats a work that did not change meanwhile.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue.models import Work, WorkKind
from exchange.identity.identity import Identity
from exchange.pagination import Page
from exchange.policy import PLATFORM, PolicyEngine


@dataclass(frozen=True, slots=True)
class Window:
    """Works changed at or after ``since`` and before ``before``, of ``kind`` if given."""

    since: datetime | None = None
    before: datetime | None = None
    kind: WorkKind | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """The (updated_at, id) of the last work of a page."""

    updated_at: datetime
    work_id: uuid.UUID


async def changed(
    identity: Identity,
    window: Window,
    first: int,
    after: Position | None,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Work]:
    """Works in ``window``, least recently changed first, ``first`` at a time."""
    policy.require(identity, "work.search", PLATFORM)
    statement = select(Work)
    if window.kind is not None:
        statement = statement.where(Work.kind == window.kind.value)
    if window.since is not None:
        statement = statement.where(col(Work.updated_at) >= window.since)
    if window.before is not None:
        statement = statement.where(col(Work.updated_at) < window.before)
    if after is not None:
        statement = statement.where(
            (col(Work.updated_at) > after.updated_at)
            | sa.and_(col(Work.updated_at) == after.updated_at, col(Work.id) > after.work_id)
        )
    statement = statement.order_by(col(Work.updated_at), col(Work.id)).limit(first + 1)
    rows = (await session.exec(statement)).all()
    return Page(rows[:first], len(rows) > first)


async def earliest(
    identity: Identity, *, session: AsyncSession, policy: PolicyEngine
) -> datetime | None:
    """When the least recently changed work changed."""
    policy.require(identity, "work.search", PLATFORM)
    statement = select(Work.updated_at).order_by(col(Work.updated_at)).limit(1)
    return (await session.exec(statement)).first()
