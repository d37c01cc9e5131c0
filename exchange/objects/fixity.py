"""Fixity: re-verify stored objects against the size and SHA-256 they were accepted with.

``check`` owns its transactions: the bytes are hashed outside any (a run may read
terabytes), then every result is recorded in one short unit of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import col, select

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.engine import Database
from exchange.errors import ValidationFailed
from exchange.identity.identity import Identity
from exchange.objects.models import DigitalObject, FixityCheck, FixityStatus, ObjectState
from exchange.policy import PLATFORM, PolicyEngine
from exchange.storage.base import Digest, Storage
from exchange.storage.errors import ObjectMissing


@dataclass(frozen=True, slots=True)
class FixityReport:
    checked: int
    ok: int
    changed: list[uuid.UUID] = field(default_factory=list)
    missing: list[uuid.UUID] = field(default_factory=list)


async def check(
    identity: Identity,
    *,
    sample: int | None = None,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
) -> FixityReport:
    """Re-verify every available object (or a random ``sample`` of them), record each
    result, and report the objects whose bytes changed or vanished. A storage server that
    fails midway raises ``StorageUnavailable`` and nothing is recorded."""
    policy.require(identity, "object.maintain", PLATFORM)
    if sample is not None and sample < 1:
        raise ValidationFailed.single("sample", "out_of_range", "a sample has at least 1 object")
    statement = select(DigitalObject).where(DigitalObject.state == ObjectState.AVAILABLE.value)
    if sample is None:
        statement = statement.order_by(col(DigitalObject.id))
    else:
        statement = statement.order_by(sa.func.random()).limit(sample)
    async with db.read() as session:
        objects = list((await session.exec(statement)).all())
    results: list[tuple[uuid.UUID, FixityStatus, Digest | None]] = []
    for obj in objects:
        try:
            digest: Digest | None = await storage.digest(obj.storage_key)
        except ObjectMissing:
            results.append((obj.id, FixityStatus.MISSING, None))
            continue
        assert digest is not None
        same = (digest.size, digest.sha256) == (obj.size, obj.sha256)
        results.append((obj.id, FixityStatus.OK if same else FixityStatus.CHANGED, digest))
    now = clock.now()
    async with db.unit_of_work() as uow:
        for object_id, status, digest in results:
            row = await uow.session.get(DigitalObject, object_id)
            if row is None:  # pragma: no cover - objects are never deleted
                continue
            previous = row.fixity_status
            row.fixity_status = status.value
            row.fixity_checked_at = now
            uow.session.add(row)
            uow.session.add(
                FixityCheck(
                    object_id=object_id,
                    checked_at=now,
                    status=status.value,
                    actual_size=None if digest is None else digest.size,
                    actual_sha256=None if digest is None else digest.sha256,
                )
            )
            if previous != status.value:
                uow.record(
                    AuditRecord(
                        identity.label,
                        "object.fixity",
                        "digital_object",
                        str(object_id),
                        {"fixity_status": previous},
                        {"fixity_status": status.value},
                    )
                )
    return FixityReport(
        checked=len(results),
        ok=sum(status is FixityStatus.OK for _, status, _ in results),
        changed=[i for i, status, _ in results if status is FixityStatus.CHANGED],
        missing=[i for i, status, _ in results if status is FixityStatus.MISSING],
    )
