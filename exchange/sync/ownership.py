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
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

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


class _UuidText(sa.sql.functions.FunctionElement[str]):
    """A UUID column as ``str(uuid)`` text, as ``sync_version.entity_id`` holds it."""

    type = sa.String()
    name = "uuid_text"
    inherit_cache = True


@compiles(_UuidText, "postgresql")
def _uuid_text_postgresql(element: _UuidText, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(_UuidText, "sqlite")
def _uuid_text_sqlite(element: _UuidText, compiler: Any, **kw: Any) -> str:
    hex32 = compiler.process(element.clauses, **kw)  # CHAR(32), lower-case hex
    parts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    return " || '-' || ".join(f"substr({hex32}, {start}, {size})" for start, size in parts)


def _held_statement() -> Select[Any, Any, Any]:
    """The replica rows among the records changed (``keys``: (type, id) pairs) and among
    the offers of the offer lines allocated from (``lines``): one query."""
    versions, lines = table(SyncVersion), table(OfferLine)
    offers_allocated = sa.select(_UuidText(lines.c.offer_id)).where(
        lines.c.id.in_(sa.bindparam("lines", expanding=True))
    )
    return select(versions.c.entity_type, versions.c.entity_id, versions.c.origin_id).where(
        sa.tuple_(versions.c.entity_type, versions.c.entity_id).in_(
            sa.bindparam("keys", expanding=True)
        )
        | ((versions.c.entity_type == "offer") & versions.c.entity_id.in_(offers_allocated))
    )


def _held_one_statement() -> Select[Any, Any, Any]:
    """``_held_statement`` for one record (``kind``, ``entity``) and at most one offer line
    (``line``, NULL for none): no expanding parameters, which cost more CPU to render at
    each execution than the rest of the statement (the common case: an allocation)."""
    versions, lines = table(SyncVersion), table(OfferLine)
    offer_allocated = (
        sa.select(_UuidText(lines.c.offer_id))
        .where(lines.c.id == sa.bindparam("line", type_=sa.Uuid))
        .scalar_subquery()
    )
    return select(versions.c.entity_type, versions.c.entity_id, versions.c.origin_id).where(
        (
            (versions.c.entity_type == sa.bindparam("kind"))
            & (versions.c.entity_id == sa.bindparam("entity"))
        )
        | ((versions.c.entity_type == "offer") & (versions.c.entity_id == offer_allocated))
    )


def offer_owner(offer_id: sa.ColumnElement[uuid.UUID]) -> sa.ScalarSelect[Any]:
    """A column for a statement that reads an offer anyway: the instance owning the offer
    ``offer_id`` (its replica row's origin), NULL when it is owned here. An allocation
    reads it with its sides and hands it to ``refuse_foreign_writes`` (``offer_owners``),
    which then needs no query of its own."""
    versions = table(SyncVersion)
    return (
        sa.select(versions.c.origin_id)
        .where(versions.c.entity_type == "offer", versions.c.entity_id == _UuidText(offer_id))
        .scalar_subquery()
    )


# Built once: every change of every service passes here before it commits.
_HELD = _held_statement()
_HELD_ONE = _held_one_statement()
_OFFER_OF_LINE = sa.select(table(OfferLine).c.offer_id).where(
    table(OfferLine).c.id == sa.bindparam("line")
)


def _line_of(record: AuditRecord) -> str | None:
    """The offer line an allocation record names (its snapshots carry it)."""
    for snapshot in (record.after, record.before):
        if snapshot is not None and "offer_line_id" in snapshot:
            return str(snapshot["offer_line_id"])
    return None


def _new_allocation(record: AuditRecord) -> bool:
    """An allocation being made: its id was just made here (``uuid7``), so it is no
    replica; only the owner of its offer line's offer can refuse it."""
    return record.entity_type == "allocation" and record.before is None


async def refuse_foreign_writes(
    session: AsyncSession,
    records: Sequence[AuditRecord],
    offer_owners: Mapping[str, uuid.UUID | None] | None = None,
) -> None:
    """Raise ``OwnedElsewhere`` for the first recorded change of a record owned elsewhere,
    then for the first allocation from an offer line of an offer owned elsewhere (its
    offer line read from the record's snapshot, so the allocation row need not exist yet:
    an allocation is judged before it locks its lines, ``UnitOfWork.record_early``).

    ``offer_owners``: the owner of an offer line's offer (None: owned here) by offer line
    id as text, as the caller already read it (``offer_owner``, with an allocation's
    sides). Records that are all new allocations from such lines are judged from it with
    no query; otherwise one query whatever the records (none when no replicated record
    changed), and one more per allocation refused, to name it."""
    judged = [
        record
        for record in records
        if record.entity_type in REPLICATED and record.action not in LOCAL_OBSERVATIONS
    ]
    if not judged:
        return
    known = offer_owners or {}
    if all(_new_allocation(r) and _line_of(r) in known for r in judged):
        for record in judged:
            if (found := known[str(_line_of(record))]) is not None:
                raise OwnedElsewhere("allocation", record.entity_id, found)
        return
    keys = sorted({(record.entity_type, record.entity_id) for record in judged})
    lines = {
        record.entity_id: line
        for record in judged
        if record.entity_type == "allocation" and (line := _line_of(record)) is not None
    }
    offer_lines = sorted({uuid.UUID(line) for line in lines.values()})
    if len(keys) == 1 and len(offer_lines) <= 1:
        (kind, entity), only = keys[0], offer_lines[0] if offer_lines else None
        one = {"kind": kind, "entity": entity, "line": only}
        rows = (await session.exec(_HELD_ONE, params=one)).all()
    else:
        params = {"keys": keys, "lines": offer_lines}
        rows = (await session.exec(_HELD, params=params)).all()
    if not rows:
        return
    held = {(kind, entity_id): origin for kind, entity_id, origin in rows}
    for record in judged:  # the first change refused is named
        found = held.get((record.entity_type, record.entity_id))
        if found is not None:
            raise OwnedElsewhere(record.entity_type, record.entity_id, found)
    for allocation_id, line in sorted(lines.items()):
        offer = (await session.execute(_OFFER_OF_LINE, {"line": uuid.UUID(line)})).scalar()
        owner = held.get(("offer", str(offer)))
        if owner is not None:
            raise OwnedElsewhere("allocation", allocation_id, owner)
