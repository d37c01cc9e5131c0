"""The replication log: which records changed, per origin instance, in order.

This instance's own changes are its audit chain (``audit_event``): every change of a
record is an event with a sequence, and the event's sequence is the change's position.
A record changed several times in a range travels once, at its last position, carrying
its current rows (state, not operations: applying the newest state is enough, and
applying it again changes nothing). Changes received from other origins are remembered in
``sync_version`` (origin, sequence per record), which is how they are relayed onward.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.audit.models import AuditEvent
from exchange.db.table import table
from exchange.sync.entities import CODECS
from exchange.sync.models import SyncMark, SyncVersion

_EVENTS = table(AuditEvent)
_VERSIONS = table(SyncVersion)


@dataclass(frozen=True, slots=True)
class Change:
    origin: uuid.UUID
    seq: int
    entity_type: str
    entity_id: str


async def head(session: AsyncSession) -> int:
    """The sequence of this instance's newest audit event (0 when none)."""
    value = (await session.execute(sa.select(sa.func.max(_EVENTS.c.seq)))).scalar()
    return int(value or 0)


async def local(session: AsyncSession, origin: uuid.UUID, after: int, upto: int) -> list[Change]:
    """This instance's changes of replicated records with ``after < seq <= upto``."""
    seq = sa.func.max(_EVENTS.c.seq)
    statement = (
        sa.select(_EVENTS.c.entity_type, _EVENTS.c.entity_id, seq)
        .where(
            _EVENTS.c.seq > after,
            _EVENTS.c.seq <= upto,
            _EVENTS.c.entity_type.in_(list(CODECS)),
        )
        .group_by(_EVENTS.c.entity_type, _EVENTS.c.entity_id)
        .order_by(seq)
    )
    rows = (await session.execute(statement)).all()
    return [Change(origin, int(s), t, i) for t, i, s in rows]


async def relayed(session: AsyncSession, origin: uuid.UUID, after: int, upto: int) -> list[Change]:
    """Records received from ``origin`` whose held version is in ``(after, upto]``."""
    statement = (
        sa.select(_VERSIONS.c.entity_type, _VERSIONS.c.entity_id, _VERSIONS.c.seq)
        .where(
            _VERSIONS.c.origin_id == origin,
            _VERSIONS.c.seq > after,
            _VERSIONS.c.seq <= upto,
        )
        .order_by(_VERSIONS.c.seq)
    )
    rows = (await session.execute(statement)).all()
    return [Change(origin, int(s), t, i) for t, i, s in rows]


async def marks(session: AsyncSession) -> dict[uuid.UUID, int]:
    """Per origin instance (other than this one), the position applied here."""
    rows = (await session.execute(sa.select(table(SyncMark)))).all()
    return {r.origin_id: int(r.seq) for r in rows}
