"""An upload's draft: what the uploader declares about a file before its bytes are sent, the
checks it must pass, and the pending object it becomes.

``check_upload`` runs the checks alone (a form post, before the bytes); ``prepare`` also
builds the unsaved object that ``uploads.start_upload`` registers.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.errors import FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity, Role
from exchange.messages import N_
from exchange.objects import licences, uploaders
from exchange.objects.attachments import Attachment
from exchange.objects.models import DigitalObject, ObjectState
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.storage.integrity import SHA256_HEX

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


async def prepare(
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
    await prepare(identity, draft, session, policy)
