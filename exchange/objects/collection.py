"""Garbage collection of storage: nothing the database does not account for stays stored.

``collect`` owns its transactions (it walks the whole bucket, which may take long).
Order matters: stored keys are listed *before* the live keys are read, and a key's row
is committed before any URL for it is handed out, so a fresh upload is never taken for
an orphan.

A server that cannot list (s3rver has no ListMultipartUploads) is not a failure: what it
cannot list is skipped and named in the report's ``skipped``. The multipart uploads of the
pending objects abandoned here are aborted by their recorded ids, which needs no listing.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.engine import Database
from exchange.identity.identity import Identity
from exchange.objects.models import DigitalObject, ObjectState, UploadSession
from exchange.policy import PLATFORM, PolicyEngine
from exchange.storage.base import Storage
from exchange.storage.errors import StorageError, Unsupported

PREFIX = "objects/"
STALE_AFTER = timedelta(hours=24)
# a multipart upload is started moments before its row is committed: older and unowned
# means the transaction that started it never committed
UPLOAD_GRACE = timedelta(hours=1)
LIVE = (ObjectState.PENDING.value, ObjectState.AVAILABLE.value)


@dataclass(frozen=True, slots=True)
class CollectionReport:
    abandoned_objects: list[uuid.UUID] = field(default_factory=list)
    deleted_keys: list[str] = field(default_factory=list)
    aborted_uploads: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what the server could not list


async def collect(
    identity: Identity,
    *,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
    stale_after: timedelta = STALE_AFTER,
    upload_grace: timedelta = UPLOAD_GRACE,
    now: datetime | None = None,
) -> CollectionReport:
    """Reject uploads pending for longer than ``stale_after``; delete stored keys that no
    pending or available object owns; abort multipart uploads that no pending object owns
    and that are older than ``upload_grace``. What the server cannot list is skipped
    and reported (``skipped``: ``"objects"``, ``"multipart uploads"``)."""
    policy.require(identity, "object.maintain", PLATFORM)
    moment = now or clock.now()
    cutoff = moment - stale_after
    abandoned, known_uploads = await _abandon_stale(identity, db, cutoff)
    aborted: list[str] = []
    for key, upload_id in known_uploads:
        with contextlib.suppress(StorageError):  # finished or aborted meanwhile
            await storage.abort_multipart(key, upload_id)
            aborted.append(upload_id)
    skipped: list[str] = []
    try:
        stored = [key async for key in storage.list_keys(PREFIX)]
    except Unsupported:
        stored, skipped = [], [*skipped, "objects"]
    try:
        uploads = await storage.list_multipart_uploads()
    except Unsupported:
        uploads, skipped = [], [*skipped, "multipart uploads"]
    async with db.read() as session:
        live_keys = (
            set(
                (
                    await session.exec(
                        select(DigitalObject.storage_key).where(
                            col(DigitalObject.state).in_(LIVE),
                            col(DigitalObject.storage_key).in_(stored),
                        )
                    )
                ).all()
            )
            if stored
            else set()
        )
        live_uploads = set(
            (
                await session.exec(
                    select(UploadSession.multipart_upload_id).where(
                        col(UploadSession.multipart_upload_id).is_not(None)
                    )
                )
            ).all()
        )
    deleted = [key for key in stored if key not in live_keys]
    for key in deleted:
        await storage.delete(key)
    for upload in uploads:
        if upload.upload_id in aborted:
            continue
        if not upload.key.startswith(PREFIX) or upload.upload_id in live_uploads:
            continue
        if upload.initiated is not None and upload.initiated > moment - upload_grace:
            continue  # may belong to an upload being started right now
        with contextlib.suppress(StorageError):  # finished meanwhile
            await storage.abort_multipart(upload.key, upload.upload_id)
            aborted.append(upload.upload_id)
    return CollectionReport(abandoned, deleted, aborted, skipped)


async def _abandon_stale(
    identity: Identity, db: Database, cutoff: datetime
) -> tuple[list[uuid.UUID], list[tuple[str, str]]]:
    """Reject pending objects started before ``cutoff``; their bytes become orphans that
    the rest of ``collect`` removes. Returns their ids and the (key, upload id) of their
    multipart uploads, to abort."""
    uploads: list[tuple[str, str]] = []
    async with db.unit_of_work() as uow:
        statement = select(DigitalObject).where(
            DigitalObject.state == ObjectState.PENDING.value,
            col(DigitalObject.created_at) < cutoff,
        )
        stale = list((await uow.session.exec(statement.with_for_update())).all())
        for obj in stale:
            before = obj.snapshot()
            obj.state = ObjectState.REJECTED.value
            obj.rejection_reason = "upload abandoned"
            session_row = await uow.session.get(UploadSession, obj.id)
            if session_row is not None:
                if session_row.multipart_upload_id is not None:
                    uploads.append((obj.storage_key, session_row.multipart_upload_id))
                await uow.session.delete(session_row)
            uow.session.add(obj)
            uow.record(
                AuditRecord(
                    identity.label,
                    "object.upload.abandon",
                    "digital_object",
                    str(obj.id),
                    before,
                    obj.snapshot(),
                )
            )
        await uow.session.flush()
    return [obj.id for obj in stale], uploads
