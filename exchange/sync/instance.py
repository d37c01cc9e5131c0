"""This instance's id: a UUIDv7 made the first time any sync command runs, kept in
``sync_self`` so it travels with the database (the instance *is* its database)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.db.uow import UnitOfWork
from exchange.ids import uuid7
from exchange.sync.models import SyncSelf


async def current(session: AsyncSession) -> uuid.UUID | None:
    """The id, or ``None`` before the first sync command."""
    row = (await session.exec(select(SyncSelf).limit(1))).first()
    return row.id if row else None


async def ensure(uow: UnitOfWork) -> uuid.UUID:
    """The id, made and stored (inside ``uow``) when there is none yet."""
    existing = await current(uow.session)
    if existing is not None:
        return existing
    new = uuid7()
    await uow.session.exec(sa.insert(SyncSelf).values(id=new, created_at=clock.now()))
    return new
