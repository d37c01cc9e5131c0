"""Completing an upload: join its parts, prove its bytes, and record the outcome.

``verify`` hashes the stored bytes outside any write transaction (a multi-GiB object must
not hold SQLite's write lock for minutes), ``complete`` then records the outcome in the
caller's unit of work; ``complete_upload`` runs both, each in its own short transaction,
for adapters. ``exchange.objects.uploads`` re-exports these names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.catalogue.models import Work
from exchange.db.engine import Database
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.objects import access
from exchange.objects.errors import UploadRejected
from exchange.objects.models import DigitalObject, FixityCheck, FixityStatus, ObjectState
from exchange.objects.models import UploadSession as UploadSessionRow
from exchange.objects.sniffing import HEAD_SIZE, sniff
from exchange.policy import PolicyEngine
from exchange.storage.base import Digest, Part, Storage
from exchange.storage.errors import ObjectMissing, StorageUnavailable, UploadMissing

NOT_ARRIVED = N_("the file has not arrived in storage: send it again, then complete the upload")


@dataclass(frozen=True, slots=True)
class Verification:
    """What the stored bytes of a pending object turned out to be."""

    object_id: uuid.UUID
    digest: Digest
    media_type: str


@dataclass(frozen=True, slots=True)
class Completion:
    """The object after completion; ``rejected`` says why it was not made available."""

    object: DigitalObject
    rejected: UploadRejected | None = None


async def pending(
    identity: Identity,
    session: AsyncSession,
    object_id: uuid.UUID,
    policy: PolicyEngine,
    *,
    for_update: bool = False,
) -> tuple[DigitalObject, UploadSessionRow | None]:
    """The pending object ``object_id`` (row-locked with ``for_update``) and its upload
    session, once the identity may upload it (``NotFound``, ``PermissionDenied``;
    ``Conflict`` when it is no longer pending)."""
    statement = select(DigitalObject).where(DigitalObject.id == object_id)
    if for_update:
        statement = statement.with_for_update()
    obj = (await session.exec(statement)).first()
    if obj is None:
        raise NotFound("digital object", object_id)
    owner = await access.owner_of(session, obj)
    policy.require(identity, "object.upload", access.resource(obj, owner, clock.now().date()))
    if obj.state != ObjectState.PENDING.value:
        raise Conflict(
            N_("the upload is no longer pending: the object is {state}", state=obj.state), obj.id
        )
    return obj, await session.get(UploadSessionRow, obj.id)


async def read_head(storage: Storage, key: str, size: int = HEAD_SIZE) -> bytes:
    """The first ``size`` bytes of the stored object."""
    head = bytearray()
    stream = storage.open(key)
    try:
        async for chunk in stream:
            head += chunk
            if len(head) >= size:
                break
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()
    return bytes(head[:size])


async def verify(
    identity: Identity,
    object_id: uuid.UUID,
    parts: list[Part] | None = None,
    *,
    session: AsyncSession,
    storage: Storage,
    policy: PolicyEngine,
) -> Verification:
    """Join a multipart upload's ``parts`` (the part numbers and ETags the client was
    answered), then recompute size and SHA-256 from the stored bytes (streamed) and sniff
    their media type; bytes that are the declared ones get it as their stored Content-Type
    (where the storage keeps one). Writes nothing to the database. ``ObjectMissing``
    (saying ``NOT_ARRIVED``, never the storage key) when no bytes were sent."""
    obj, upload = await pending(identity, session, object_id, policy)
    if upload is not None and upload.multipart_upload_id is not None:
        try:
            await storage.complete_multipart(
                obj.storage_key, upload.multipart_upload_id, parts or []
            )
        except (UploadMissing, StorageUnavailable):
            # joined by an earlier attempt whose recording failed: the bytes are there
            # (a server may answer that second completion with a 500, s3rver does)
            if await storage.stat(obj.storage_key) is None:
                raise
    try:
        digest = await storage.digest(obj.storage_key)
    except ObjectMissing:
        raise ObjectMissing(obj.storage_key, NOT_ARRIVED) from None
    media_type = sniff(await read_head(storage, obj.storage_key))
    if _mismatch(obj, digest) is None:
        await storage.set_media_type(obj.storage_key, media_type)
    return Verification(obj.id, digest, media_type)


def _mismatch(obj: DigitalObject, digest: Digest) -> str | None:
    if digest.size != obj.size:
        return f"size differs: declared {obj.size} bytes, stored {digest.size}"
    if digest.sha256 != obj.sha256:
        return "sha256 of the stored bytes differs from the declared one"
    return None


async def complete(
    identity: Identity,
    verification: Verification,
    *,
    uow: UnitOfWork,
    storage: Storage,
    policy: PolicyEngine,
) -> Completion:
    """Make the object available when the verified bytes are the declared ones; otherwise
    reject it and delete its bytes once the rejection is committed."""
    obj, upload = await pending(
        identity, uow.session, verification.object_id, policy, for_update=True
    )
    before = obj.snapshot()
    now = clock.now()
    if upload is not None:
        await uow.session.delete(upload)
    reason = _mismatch(obj, verification.digest)
    if reason is not None:
        obj.state = ObjectState.REJECTED.value
        obj.rejection_reason = reason
        key = obj.storage_key
        uow.on_commit(lambda: storage.delete(key))
        action = "object.upload.reject"
    else:
        obj.state = ObjectState.AVAILABLE.value
        obj.media_type = verification.media_type
        obj.completed_at = now
        obj.fixity_status = FixityStatus.OK.value
        obj.fixity_checked_at = now
        uow.session.add(
            FixityCheck(
                object_id=obj.id,
                checked_at=now,
                status=FixityStatus.OK.value,
                actual_size=verification.digest.size,
                actual_sha256=verification.digest.sha256,
            )
        )
        if obj.work_id is not None:
            await _mark_available_digitally(uow, obj.work_id)
        action = "object.upload.complete"
    uow.session.add(obj)
    await uow.session.flush()
    uow.record(
        AuditRecord(identity.label, action, "digital_object", str(obj.id), before, obj.snapshot())
    )
    rejected = None if reason is None else UploadRejected(str(obj.id), reason)
    return Completion(obj, rejected)


async def _mark_available_digitally(uow: UnitOfWork, work_id: uuid.UUID) -> None:
    work = await uow.session.get(Work, work_id)
    if work is None or work.available_digitally:
        return
    work.available_digitally = True
    uow.session.add(work)
    uow.record(
        AuditRecord(
            "system",
            "work.available_digitally",
            "work",
            str(work.id),
            {"available_digitally": False},
            {"available_digitally": True},
        )
    )


async def complete_upload(
    identity: Identity,
    object_id: uuid.UUID,
    parts: list[Part] | None = None,
    *,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
) -> Completion:
    """``verify`` in a read session, then ``complete`` in a unit of work of its own."""
    async with db.read() as session:
        verification = await verify(
            identity, object_id, parts, session=session, storage=storage, policy=policy
        )
    async with db.unit_of_work() as uow:
        return await complete(identity, verification, uow=uow, storage=storage, policy=policy)
