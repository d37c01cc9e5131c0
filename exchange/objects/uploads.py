"""The upload flow: start (presigned URLs), verify and complete, or abort.

``start_upload`` and ``abort_upload`` write inside the caller's unit of work. Completion
(``verify``, ``complete``, ``complete_upload``) lives in ``exchange.objects.completion``
and is re-exported here, so callers name one module for the whole flow.
"""

from __future__ import annotations

import contextlib
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity, Role
from exchange.messages import N_
from exchange.objects import licences, uploaders
from exchange.objects.attachments import Attachment as Attachment  # re-exported: part of the draft
from exchange.objects.completion import (
    Completion,
    Verification,
    complete,
    complete_upload,
    pending,
    read_head,
    verify,
)
from exchange.objects.models import DigitalObject, ObjectState
from exchange.objects.models import UploadSession as UploadSessionRow
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.storage.base import (
    MAX_PARTS,
    MAX_SINGLE_PUT,
    MIN_PART_SIZE,
    Storage,
    UploadTicket,
)
from exchange.storage.errors import StorageError
from exchange.storage.integrity import SHA256_HEX

MiB = 1024 * 1024
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
MAX_SIZE = 5 * 1024**4  # S3's largest object
__all__ = [
    "Attachment",
    "Completion",
    "PartUrl",
    "StartedUpload",
    "UploadDraft",
    "UploadLimits",
    "Verification",
    "abort_upload",
    "check_upload",
    "complete",
    "complete_upload",
    "part_layout",
    "read_head",
    "start_upload",
    "storage_key",
    "verify",
]


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


def storage_key(object_id: uuid.UUID) -> str:
    return f"objects/{object_id}"


def _validated(draft: UploadDraft, identity: Identity) -> tuple[licences.Licence, uuid.UUID]:
    errors: list[FieldError] = []
    filename = draft.filename.strip()
    if not filename or len(filename) > 255 or any(c in filename for c in "/\\\x00"):
        errors.append(FieldError("filename", "invalid", "1–255 characters, no slashes"))
    if not 1 <= draft.size <= MAX_SIZE:
        errors.append(
            FieldError(
                "size", "out_of_range", N_("between 1 byte and {max_size} bytes", max_size=MAX_SIZE)
            )
        )
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


async def _prepared(
    identity: Identity, draft: UploadDraft, session: AsyncSession, policy: PolicyEngine
) -> DigitalObject:
    """The pending object ``draft`` describes, unsaved, once the identity may upload it."""
    licence, owner_id = _validated(draft, identity)
    owner = await session.get(Partner, owner_id)
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
    await uploaders.check(identity, obj, owner, draft.attachment, session=session, policy=policy)
    return obj


async def check_upload(
    identity: Identity, draft: UploadDraft, *, session: AsyncSession, policy: PolicyEngine
) -> None:
    """``start_upload``'s checks, writing nothing: ``ValidationFailed``, ``NotFound``,
    ``PermissionDenied`` or ``Conflict`` exactly as it would raise them. For an upload whose
    size and digest are known only once its bytes are in (a form post), before the first."""
    await _prepared(identity, draft, session, policy)


async def start_upload(
    identity: Identity,
    draft: UploadDraft,
    *,
    uow: UnitOfWork,
    storage: Storage,
    policy: PolicyEngine,
    limits: UploadLimits = UploadLimits(),
    multipart: bool | None = None,
    presign: bool = True,
) -> StartedUpload:
    """Register a pending object and hand out presigned URL(s) for its bytes.

    ``multipart`` True gives part URLs whatever the size (one part for a small object),
    False one URL for the whole object, ``None`` parts above the limits' threshold. One
    URL is refused above 5 GiB, the most S3 takes in one PUT (``ValidationFailed`` on
    ``multipart``, code ``too_large``). The URLs sign the declared media type as
    Content-Type. With ``presign`` False no URL is made: the caller sends the bytes with
    ``Storage.put`` itself (CLI, demo), and ``multipart`` is ignored."""
    if presign and multipart is False and draft.size > MAX_SINGLE_PUT:
        raise ValidationFailed.single(
            "multipart",
            "too_large",
            N_(
                "one upload URL takes at most {max_single_put} bytes; upload in parts",
                max_single_put=MAX_SINGLE_PUT,
            ),
        )
    obj = await _prepared(identity, draft, uow.session, policy)
    now = obj.created_at
    expires_at = now + limits.url_ttl
    use_multipart = draft.size > limits.multipart_threshold if multipart is None else multipart
    session_row = UploadSessionRow(object_id=obj.id, started_at=now, expires_at=expires_at)
    media_type = obj.declared_media_type
    started: StartedUpload
    if not presign:
        started = StartedUpload(obj, expires_at)
    elif use_multipart:
        part_size, count = part_layout(draft.size, limits)
        # an upload started here but never recorded (rollback) is found by ``collect``
        upload_id = await storage.start_multipart(obj.storage_key, media_type)
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
            obj.storage_key,
            size=draft.size,
            sha256=draft.sha256,
            expires=limits.url_ttl,
            media_type=media_type,
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
    obj, upload = await pending(identity, uow.session, object_id, policy, for_update=True)
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
