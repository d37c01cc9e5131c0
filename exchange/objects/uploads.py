"""The upload flow: start (presigned URLs), verify and complete, or abort.

``start_upload`` and ``abort_upload`` write inside the caller's unit of work. Completion is
split in two because it reads every stored byte: ``verify`` hashes the bytes outside any
write transaction (a multi-GiB object must not hold SQLite's write lock for minutes),
``complete`` then records the outcome in the caller's unit of work. ``complete_upload``
runs both, each in its own short transaction, for adapters.
"""

from __future__ import annotations

import contextlib
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.catalogue.models import Work
from exchange.db.engine import Database
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity, Role
from exchange.objects import access, attachments, licences
from exchange.objects.attachments import Attachment as Attachment  # re-exported: part of the draft
from exchange.objects.errors import UploadRejected
from exchange.objects.models import DigitalObject, FixityCheck, FixityStatus, ObjectState
from exchange.objects.models import UploadSession as UploadSessionRow
from exchange.objects.sniffing import HEAD_SIZE, sniff
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.storage.base import MAX_PARTS, MIN_PART_SIZE, Digest, Part, Storage, UploadTicket
from exchange.storage.errors import StorageError, UploadMissing
from exchange.storage.integrity import SHA256_HEX

MiB = 1024 * 1024
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
MAX_SIZE = 5 * 1024**4  # S3's largest object


@dataclass(frozen=True, slots=True)
class UploadDraft:
    filename: str
    size: int
    sha256: str
    media_type: str
    licence: str
    attachment: Attachment
    owner_partner_id: uuid.UUID | None = None  # default: the uploader's one library
    required_tag: str | None = None
    embargo_until: date | None = None


@dataclass(frozen=True, slots=True)
class UploadLimits:
    multipart_threshold: int = 64 * MiB
    part_size: int = 64 * MiB
    url_ttl: timedelta = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class PartUrl:
    number: int
    url: str


@dataclass(frozen=True, slots=True)
class StartedUpload:
    """Where to send the bytes: one ``ticket``, or ``parts`` of ``part_size`` bytes each
    (the last may be shorter) whose ETags go to ``complete_upload``."""

    object: DigitalObject
    expires_at: datetime
    ticket: UploadTicket | None = None
    part_size: int | None = None
    parts: list[PartUrl] = field(default_factory=list)


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


def storage_key(object_id: uuid.UUID) -> str:
    return f"objects/{object_id}"


def _validated(draft: UploadDraft, identity: Identity) -> tuple[licences.Licence, uuid.UUID]:
    errors: list[FieldError] = []
    filename = draft.filename.strip()
    if not filename or len(filename) > 255 or any(c in filename for c in "/\\\x00"):
        errors.append(FieldError("filename", "invalid", "1–255 characters, no slashes"))
    if not 1 <= draft.size <= MAX_SIZE:
        errors.append(FieldError("size", "out_of_range", f"between 1 byte and {MAX_SIZE} bytes"))
    if not SHA256_HEX.fullmatch(draft.sha256):
        errors.append(FieldError("sha256", "invalid", "64 lowercase hex digits"))
    if not MEDIA_TYPE.fullmatch(draft.media_type.strip().lower()):
        errors.append(FieldError("mediaType", "invalid", "a media type such as application/pdf"))
    attached = [draft.attachment.work_id, draft.attachment.seminar_id, draft.attachment.shipment_id]
    if sum(a is not None for a in attached) != 1:
        errors.append(
            FieldError("attachment", "exactly_one", "attach to one work, seminar or shipment")
        )
    licence: licences.Licence | None = None
    try:
        licence = licences.parse(draft.licence, draft.required_tag)
    except ValidationFailed as error:
        errors.extend(error.errors)
    owner = draft.owner_partner_id
    if owner is None:
        libraries = identity.partners_with(Role.LIBRARIAN)
        if len(libraries) == 1:
            owner = next(iter(libraries))
        else:
            errors.append(FieldError("ownerPartnerId", "required", "name the owning partner"))
    if errors:
        raise ValidationFailed(errors)
    assert licence is not None
    assert owner is not None
    return licence, owner


def part_layout(size: int, limits: UploadLimits) -> tuple[int, int]:
    """(part size, part count) for a multipart upload of ``size`` bytes."""
    part_size = max(limits.part_size, MIN_PART_SIZE, math.ceil(size / MAX_PARTS))
    return part_size, max(1, math.ceil(size / part_size))


async def start_upload(
    identity: Identity,
    draft: UploadDraft,
    *,
    uow: UnitOfWork,
    storage: Storage,
    policy: PolicyEngine,
    limits: UploadLimits = UploadLimits(),
    multipart: bool | None = None,
) -> StartedUpload:
    """Register a pending object and hand out presigned URL(s) for its bytes. Multipart when
    ``multipart`` says so, or by default when the size passes the limits' threshold."""
    licence, owner_id = _validated(draft, identity)
    owner = await uow.session.get(Partner, owner_id)
    if owner is None:
        raise NotFound("partner", owner_id)
    now = clock.now()
    obj = DigitalObject(
        filename=draft.filename.strip(),
        size=draft.size,
        sha256=draft.sha256,
        declared_media_type=draft.media_type.strip().lower(),
        licence=licence.identifier,
        licence_open=licence.open,
        required_tag=licence.required_tag,
        embargo_until=draft.embargo_until,
        work_id=draft.attachment.work_id,
        seminar_id=draft.attachment.seminar_id,
        shipment_id=draft.attachment.shipment_id,
        owner_partner_id=owner.id,
        state=ObjectState.PENDING.value,
        storage_key="",
        created_by=identity.label,
        created_at=now,
    )
    obj.storage_key = storage_key(obj.id)
    policy.require(identity, "object.upload", access.resource(obj, owner, now.date()))
    await attachments.check(identity, draft.attachment, owner, session=uow.session, policy=policy)
    expires_at = now + limits.url_ttl
    use_multipart = draft.size > limits.multipart_threshold if multipart is None else multipart
    session_row = UploadSessionRow(object_id=obj.id, started_at=now, expires_at=expires_at)
    started: StartedUpload
    if use_multipart:
        part_size, count = part_layout(draft.size, limits)
        # an upload started here but never recorded (rollback) is found by ``collect``
        upload_id = await storage.start_multipart(obj.storage_key)
        urls = [
            PartUrl(
                n, await storage.presign_part(obj.storage_key, upload_id, n, expires=limits.url_ttl)
            )
            for n in range(1, count + 1)
        ]
        session_row.multipart_upload_id = upload_id
        session_row.part_size = part_size
        session_row.part_count = count
        started = StartedUpload(obj, expires_at, part_size=part_size, parts=urls)
    else:
        ticket = await storage.presign_upload(
            obj.storage_key, size=draft.size, sha256=draft.sha256, expires=limits.url_ttl
        )
        started = StartedUpload(obj, expires_at, ticket=ticket)
    uow.session.add(obj)
    await uow.session.flush()
    uow.session.add(session_row)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            "object.upload.start",
            "digital_object",
            str(obj.id),
            None,
            obj.snapshot(),
        )
    )
    return started


async def _pending(
    identity: Identity,
    session: AsyncSession,
    object_id: uuid.UUID,
    policy: PolicyEngine,
    *,
    for_update: bool = False,
) -> tuple[DigitalObject, UploadSessionRow | None]:
    statement = select(DigitalObject).where(DigitalObject.id == object_id)
    if for_update:
        statement = statement.with_for_update()
    obj = (await session.exec(statement)).first()
    if obj is None:
        raise NotFound("digital object", object_id)
    owner = await access.owner_of(session, obj)
    policy.require(identity, "object.upload", access.resource(obj, owner, clock.now().date()))
    if obj.state != ObjectState.PENDING.value:
        raise Conflict(f"the upload is no longer pending: the object is {obj.state}", obj.id)
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
    """Join a multipart upload's ``parts``, then recompute size and SHA-256 from the stored
    bytes (streamed) and sniff their media type. Writes nothing to the database."""
    obj, upload = await _pending(identity, session, object_id, policy)
    if upload is not None and upload.multipart_upload_id is not None:
        try:
            await storage.complete_multipart(
                obj.storage_key, upload.multipart_upload_id, parts or []
            )
        except UploadMissing:
            # joined by an earlier attempt whose recording failed: the bytes are there
            if await storage.stat(obj.storage_key) is None:
                raise
    digest = await storage.digest(obj.storage_key)
    media_type = sniff(await read_head(storage, obj.storage_key))
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
    obj, upload = await _pending(
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


async def abort_upload(
    identity: Identity,
    object_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    storage: Storage,
    policy: PolicyEngine,
) -> DigitalObject:
    """Give up a pending upload: the object is rejected and, once that is committed, any
    bytes and parts already sent are discarded."""
    obj, upload = await _pending(identity, uow.session, object_id, policy, for_update=True)
    before = obj.snapshot()
    obj.state = ObjectState.REJECTED.value
    obj.rejection_reason = "aborted by the uploader"
    key = obj.storage_key
    upload_id = None if upload is None else upload.multipart_upload_id
    if upload is not None:
        await uow.session.delete(upload)

    async def discard() -> None:
        if upload_id is not None:
            with contextlib.suppress(StorageError):  # gone already: nothing to discard
                await storage.abort_multipart(key, upload_id)
        await storage.delete(key)

    uow.on_commit(discard)
    uow.session.add(obj)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            "object.upload.abort",
            "digital_object",
            str(obj.id),
            before,
            obj.snapshot(),
        )
    )
    return obj
