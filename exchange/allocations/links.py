"""Rows of the exchange by id, for the links between them (an allocation's offer line and
request line, an offer line's offer, a shipment item's allocation): one query per batch.

Offers, requests and allocations are visible to every signed-in member (``offer.list``,
``request.list``, ``allocation.list`` on the platform); a caller without that permission
gets nothing, so a link resolves to null."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.identity.identity import Identity
from exchange.policy import PLATFORM, PolicyEngine

Row = TypeVar("Row")


async def by_ids(
    identity: Identity,
    model: type[Row],
    ids: Sequence[uuid.UUID],
    *,
    permission: str,
    session: AsyncSession,
    policy: PolicyEngine,
) -> dict[uuid.UUID, Row]:
    """``model`` rows (a table with an ``id`` primary key) of ``ids`` that exist, when
    ``permission`` on the platform is allowed; else nothing."""
    if not ids or not policy.allowed(identity, permission, PLATFORM):
        return {}
    key: Any = col(model.id)  # type: ignore[attr-defined]
    rows = (await session.exec(select(model).where(key.in_(list(set(ids)))))).all()
    return {row.id: row for row in rows}  # type: ignore[attr-defined]
