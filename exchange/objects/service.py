"""Reading digital objects: get, get_many, list. Writers live in ``uploads``, ``downloads``,
``fixity`` and ``collection``."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.errors import NotFound
from exchange.identity.identity import Identity
from exchange.objects import access
from exchange.objects.models import DigitalObject, ObjectState
from exchange.pagination import Page, PageRequest
from exchange.policy import PolicyEngine


@dataclass(frozen=True, slots=True)
class ObjectFilter:
    work_id: uuid.UUID | None = None
    seminar_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    owner_partner_id: uuid.UUID | None = None
    state: ObjectState | None = None


async def _readable(
    identity: Identity,
    rows: builtins.list[DigitalObject],
    session: AsyncSession,
    policy: PolicyEngine,
) -> builtins.list[DigitalObject]:
    entities = await access.resources(session, rows, clock.now().date())
    decisions = policy.allowed_many(identity, "object.read", [entities[o.id] for o in rows])
    return [o for o, ok in zip(rows, decisions, strict=True) if ok]


async def get(
    identity: Identity, object_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> DigitalObject:
    """The object, or NotFound when it does not exist or the identity may not see it."""
    obj = await session.get(DigitalObject, object_id)
    if obj is None or not await _readable(identity, [obj], session, policy):
        raise NotFound("digital object", object_id)
    return obj


async def get_many(
    identity: Identity, ids: Iterable[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, DigitalObject]:
    wanted = builtins.list(set(ids))
    if not wanted:
        return {}
    statement = select(DigitalObject).where(col(DigitalObject.id).in_(wanted))
    rows = builtins.list((await session.exec(statement)).all())
    return {o.id: o for o in await _readable(identity, rows, session, policy)}


async def list(
    identity: Identity,
    filters: ObjectFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[DigitalObject]:
    """Objects the identity may see, oldest first, filtered and paginated by cursor."""
    statement = select(DigitalObject)
    for column, value in (
        (DigitalObject.work_id, filters.work_id),
        (DigitalObject.seminar_id, filters.seminar_id),
        (DigitalObject.shipment_id, filters.shipment_id),
        (DigitalObject.owner_partner_id, filters.owner_partner_id),
    ):
        if value is not None:
            statement = statement.where(col(column) == value)
    if filters.state is not None:
        statement = statement.where(DigitalObject.state == filters.state.value)
    if page.after is not None:
        statement = statement.where(col(DigitalObject.id) > page.after)
    statement = statement.order_by(col(DigitalObject.id)).limit(page.first + 1)
    rows = builtins.list((await session.exec(statement)).all())
    # rows the identity may not see are dropped after the limit, so a page may come out
    # shorter than asked; ``has_next`` still says truthfully whether more rows exist
    visible = await _readable(identity, rows, session, policy)
    more = len(rows) > page.first
    kept = [o for o in visible if o.id in {r.id for r in rows[: page.first]}]
    return Page(kept, more)
