"""The upload flow: start (presigned URLs), verify and complete, or abort.

``start_upload`` and ``abort_upload`` write inside the caller's unit of work. The draft and
its checks (``UploadDraft``, ``check_upload``) live in ``exchange.objects.drafts``,
completion (``verify``, ``complete``, ``complete_upload``) in ``exchange.objects.completion``;
both are re-exported here, so callers name one module for the whole flow.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
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
from exchange.objects.drafts import MAX_SIZE, UploadDraft, check_upload, prepare
from exchange.objects.models import DigitalObject, ObjectState
from exchange.objects.models import UploadSession as UploadSessionRow
from exchange.policy import PolicyEngine
from exchange.storage.base import (
    MAX_PARTS,
    MAX_SINGLE_PUT,
    MIN_PART_SIZE,
    Storage,
    UploadTicket,
)
from exchange.storage.errors import StorageError

MiB = 1024 * 1024
__all__ = [
    "MAX_SIZE",
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
    "verify",
]


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
    obj = await prepare(identity, draft, uow.session, policy)
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
