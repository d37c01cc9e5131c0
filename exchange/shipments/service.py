"""Reading shipments: get, list, the actions open to the reader, items and timelines.

Writers live in ``transitions``. Partners see their own shipments; coordinators and admins
see every one (``policies/shipments.cedar``).
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.identity.identity import Identity, Role
from exchange.pagination import Page, PageRequest
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine
from exchange.shipments import workflow
from exchange.shipments.access import Parties, readable, resource
from exchange.shipments.models import (
    Shipment,
    ShipmentEvent,
    ShipmentItem,
    ShipmentMode,
    ShipmentState,
)
from exchange.shipments.workflow import Action, Facts


@dataclass(frozen=True, slots=True)
class ShipmentFilter:
    state: ShipmentState | None = None
    mode: ShipmentMode | None = None
    partner_id: uuid.UUID | None = None  # as sender or receiver
    updated_from: datetime | None = None  # last changed at or after (a whole UTC day)
    updated_to: datetime | None = None  # last changed before


async def get(
    identity: Identity, shipment_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Shipment:
    """The shipment, or NotFound when it does not exist or is not the identity's to see."""
    shipment, _parties = await readable(identity, shipment_id, session, policy)
    return shipment


@dataclass(frozen=True, slots=True)
class Listed:
    """A shipment of a listing with both its parties (read with the page, in one query)."""

    shipment: Shipment
    parties: Parties


async def list(
    identity: Identity,
    filters: ShipmentFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Shipment]:
    """Shipments the identity may see, oldest first: every one for coordinators and
    admins, their own partners' for everyone else."""
    found = await listing(identity, filters, page, session=session, policy=policy)
    return Page([row.shipment for row in found.items], found.has_next)


async def listing(
    identity: Identity,
    filters: ShipmentFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Listed]:
    """``list``, each shipment with its sender and receiver: two queries whatever the
    page's length (the shipments, then all their partners)."""
    policy.require(identity, "shipment.list", PLATFORM)
    query = select(Shipment)
    if not (identity.has_role(Role.COORDINATOR) or identity.has_role(Role.ADMIN)):
        own = builtins.list(identity.partner_ids())
        query = query.where(
            sa.or_(col(Shipment.sender_id).in_(own), col(Shipment.receiver_id).in_(own))
        )
    if filters.state is not None:
        query = query.where(Shipment.state == filters.state.value)
    if filters.mode is not None:
        query = query.where(Shipment.mode == filters.mode.value)
    if filters.partner_id is not None:
        query = query.where(
            sa.or_(
                col(Shipment.sender_id) == filters.partner_id,
                col(Shipment.receiver_id) == filters.partner_id,
            )
        )
    if filters.updated_from is not None:
        query = query.where(col(Shipment.updated_at) >= filters.updated_from)
    if filters.updated_to is not None:
        query = query.where(col(Shipment.updated_at) < filters.updated_to)
    if page.after is not None:
        query = query.where(col(Shipment.id) > page.after)
    rows = builtins.list(
        (await session.exec(query.order_by(col(Shipment.id)).limit(page.first + 1))).all()
    )
    found = Page.from_rows(rows, page)
    ids = {p for s in found.items for p in (s.sender_id, s.receiver_id)}
    by_id = {
        p.id: p for p in (await session.exec(select(Partner).where(col(Partner.id).in_(ids)))).all()
    }
    listed = [Listed(s, Parties(by_id[s.sender_id], by_id[s.receiver_id])) for s in found.items]
    resources = [resource(row.shipment, row.parties) for row in listed]
    decisions = policy.allowed_many(identity, "shipment.read", resources)
    return Page([row for row, ok in zip(listed, decisions, strict=True) if ok], found.has_next)


async def available_actions(
    identity: Identity, shipment: Shipment, *, session: AsyncSession, policy: PolicyEngine
) -> builtins.list[Action]:
    """The actions the identity may take now: the table's rows from the current state
    whose guard holds, and that Cedar allows."""
    [actions] = await available_actions_many(identity, [shipment], session=session, policy=policy)
    return actions


async def available_actions_many(
    identity: Identity,
    shipments: Iterable[Shipment],
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> builtins.list[builtins.list[Action]]:
    """``available_actions`` of many shipments at once: one query for all their partners
    and one batch of Cedar decisions per permission, whatever the number of shipments."""
    rows = builtins.list(shipments)
    ids = {p for s in rows for p in (s.sender_id, s.receiver_id)}
    by_id = (
        {p.id: p for p in (await session.exec(select(Partner).where(col(Partner.id).in_(ids))))}
        if ids
        else {}
    )
    return actions_of(identity, rows, by_id, policy)


def actions_of(
    identity: Identity,
    shipments: Iterable[Shipment],
    partners: dict[uuid.UUID, Partner],
    policy: PolicyEngine,
) -> builtins.list[builtins.list[Action]]:
    """The actions open to the identity on each shipment, given both parties of every
    one; Cedar is asked once per permission, over every shipment that needs it."""
    rows = builtins.list(shipments)
    targets, candidates = [], []
    for shipment in rows:
        parties = Parties(partners[shipment.sender_id], partners[shipment.receiver_id])
        targets.append(resource(shipment, parties))
        candidates.append(workflow.possible(ShipmentState(shipment.state), Facts(parties.held)))
    wanted: dict[str, builtins.list[int]] = {}
    for index, possible in enumerate(candidates):
        for action in possible:
            wanted.setdefault(workflow.permission_of(action), []).append(index)
    decided: dict[tuple[str, int], bool] = {}
    for permission, indexes in wanted.items():
        answers = policy.allowed_many(identity, permission, [targets[i] for i in indexes])
        decided.update(((permission, i), ok) for i, ok in zip(indexes, answers, strict=True))
    return [
        [a for a in possible if decided[(workflow.permission_of(a), index)]]
        for index, possible in enumerate(candidates)
    ]


async def events_of(
    ids: Iterable[uuid.UUID], *, session: AsyncSession
) -> dict[uuid.UUID, builtins.list[ShipmentEvent]]:
    """The timelines of shipments the caller was allowed to read, oldest event first."""
    result: dict[uuid.UUID, builtins.list[ShipmentEvent]] = {i: [] for i in ids}
    rows = await session.exec(
        select(ShipmentEvent)
        .where(col(ShipmentEvent.shipment_id).in_(builtins.list(result)))
        .order_by(col(ShipmentEvent.id))
    )
    for event in rows:
        result[event.shipment_id].append(event)
    return result


async def items_of(
    ids: Iterable[uuid.UUID], *, session: AsyncSession
) -> dict[uuid.UUID, builtins.list[ShipmentItem]]:
    """The items of shipments the caller was allowed to read, in the order added."""
    result: dict[uuid.UUID, builtins.list[ShipmentItem]] = {i: [] for i in ids}
    rows = await session.exec(
        select(ShipmentItem)
        .where(col(ShipmentItem.shipment_id).in_(builtins.list(result)))
        .order_by(col(ShipmentItem.id))
    )
    for item in rows:
        result[item.shipment_id].append(item)
    return result


def signed_manifest(shipment: Shipment) -> dict[str, Any] | None:
    """The shipment's signed manifest as JSON (None before dispatch)."""
    return None if shipment.manifest is None else dict(json.loads(shipment.manifest))
