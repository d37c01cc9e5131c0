"""Replicas are read-only (``exchange.sync.conflicts`` rule 3), enforced in one place.

Every change of a record is described to its unit of work as an audit record (the audit
chain is the replication log, so a change that is not recorded never travels). Before a
unit of work commits, ``refuse_foreign_writes`` reads those records: the change of a record
held here as a replica of another instance — or an allocation of an offer line whose offer
is such a replica (only the offer's owner allocates, rule 2) — is refused with
``OwnedElsewhere`` naming the owner, and the transaction rolls back, so nothing changed.
This covers every mutation of every service, present or future, without a check of its own.

The two actions the issue lets travel instead — claiming an offer line owned elsewhere and
confirming the receipt of a shipment owned elsewhere — ask ``owner`` first and become
proposals (``exchange.sync.proposals``); nothing else on a replica is allowed.

Exempt: ``object.fixity`` (what this instance observed of its own copy of the bytes; the
owner ignores the change, rule 2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations.models import Allocation
from exchange.audit.chain import AuditRecord
from exchange.db.table import table
from exchange.errors import Conflict
from exchange.offers.models import OfferLine
from exchange.sync.models import SyncVersion

# the record types that travel in bundles (``exchange.sync.entities.CODECS``)
REPLICATED = frozenset(
    (
        "partner",
        "signing_key",
        "work",
        "offer",
        "request",
        "allocation",
        "digital_object",
        "shipment",
        "proposal",
        "answer",
    )
)
LOCAL_OBSERVATIONS = frozenset(("object.fixity",))


class OwnedElsewhere(Conflict):
    """A write on a replica: ``owner`` is the instance where the record may change."""

    code = "owned_elsewhere"

    def __init__(self, entity_type: str, entity_id: str, owner: uuid.UUID) -> None:
        super().__init__(
            f"{entity_type} {entity_id} is a replica owned by instance {owner}: it changes"
            " only there",
            entity_id,
        )
        self.entity_type = entity_type
        self.entity_id = entity_id
        self.owner = owner


async def owner(session: AsyncSession, entity_type: str, entity_id: str) -> uuid.UUID | None:
    """The instance owning the record, or ``None`` when it is owned here (no replica row)."""
    held = await session.get(SyncVersion, (entity_type, entity_id))
    return held.origin_id if held is not None else None


async def _replicas(session: AsyncSession, entity_type: str, ids: set[str]) -> dict[str, uuid.UUID]:
    if not ids:
        return {}
    versions = table(SyncVersion)
    rows = await session.execute(
        sa.select(versions.c.entity_id, versions.c.origin_id).where(
            versions.c.entity_type == entity_type, versions.c.entity_id.in_(sorted(ids))
        )
    )
    return {str(i): o for i, o in rows.tuples().all()}


async def _offers_of(session: AsyncSession, allocation_ids: set[str]) -> dict[str, str]:
    """allocation id → its offer line's offer id."""
    if not allocation_ids:
        return {}
    allocation, lines = table(Allocation), table(OfferLine)
    rows = await session.execute(
        sa.select(allocation.c.id, lines.c.offer_id)
        .join(lines, lines.c.id == allocation.c.offer_line_id)
        .where(allocation.c.id.in_([uuid.UUID(i) for i in sorted(allocation_ids)]))
    )
    return {str(a): str(o) for a, o in rows.tuples().all()}


async def refuse_foreign_writes(session: AsyncSession, records: Sequence[AuditRecord]) -> None:
    """Raise ``OwnedElsewhere`` for the first recorded change of a record owned elsewhere.

    One query per record type changed (two for allocations); nothing when no replicated
    record changed."""
    wanted: dict[str, set[str]] = {}
    for record in records:
        if record.entity_type in REPLICATED and record.action not in LOCAL_OBSERVATIONS:
            wanted.setdefault(record.entity_type, set()).add(record.entity_id)
    held = {kind: await _replicas(session, kind, ids) for kind, ids in wanted.items()}
    for record in records:  # the first change refused is named
        found = held.get(record.entity_type, {}).get(record.entity_id)
        if found is not None and record.action not in LOCAL_OBSERVATIONS:
            raise OwnedElsewhere(record.entity_type, record.entity_id, found)
    offers = await _offers_of(session, wanted.get("allocation", set()))
    held_offers = await _replicas(session, "offer", set(offers.values()))
    for allocation_id, offer_id in sorted(offers.items()):
        if offer_id in held_offers:
            raise OwnedElsewhere("allocation", allocation_id, held_offers[offer_id])
