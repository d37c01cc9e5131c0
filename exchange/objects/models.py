"""Digital objects and what happens to them: upload sessions, fixity checks, downloads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from exchange.db.types import UTCDateTime
from exchange.ids import uuid7


class ObjectState(StrEnum):
    PENDING = "pending"
    AVAILABLE = "available"
    REJECTED = "rejected"


class FixityStatus(StrEnum):
    OK = "ok"
    CHANGED = "changed"
    MISSING = "missing"


class DigitalObject(SQLModel, table=True):
    """A file in storage. ``size`` and ``sha256`` are declared by the uploader and proved
    against the stored bytes before the object becomes available; ``media_type`` is sniffed
    from those bytes (``declared_media_type`` is the uploader's claim, kept for reference).
    Exactly one of ``work_id``, ``seminar_id`` and ``shipment_id`` is set."""

    __tablename__ = "digital_object"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN work_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN seminar_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN shipment_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_digital_object_one_attachment",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    filename: str = Field(max_length=255)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))  # objects pass 2 GiB
    sha256: str = Field(max_length=64)
    media_type: str | None = Field(default=None, max_length=100)
    declared_media_type: str = Field(max_length=100)
    licence: str = Field(max_length=100)
    licence_open: bool
    required_tag: str | None = Field(default=None, max_length=50)
    embargo_until: date | None = Field(default=None)
    work_id: uuid.UUID | None = Field(default=None, foreign_key="work.id", index=True)
    seminar_id: uuid.UUID | None = Field(default=None, foreign_key="seminar.id", index=True)
    # shipments arrive with their own issue; until then the id is kept without a foreign key
    shipment_id: uuid.UUID | None = Field(default=None, index=True)
    owner_partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    state: str = Field(max_length=20, index=True)
    rejection_reason: str | None = Field(default=None, max_length=500)
    storage_key: str = Field(max_length=200, unique=True)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    fixity_status: str | None = Field(default=None, max_length=20)
    fixity_checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    def snapshot(self) -> dict[str, Any]:
        """The audit trail's summary of this object."""
        return {
            "filename": self.filename,
            "size": self.size,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "declared_media_type": self.declared_media_type,
            "licence": self.licence,
            "required_tag": self.required_tag,
            "embargo_until": None if self.embargo_until is None else self.embargo_until.isoformat(),
            "work_id": None if self.work_id is None else str(self.work_id),
            "seminar_id": None if self.seminar_id is None else str(self.seminar_id),
            "shipment_id": None if self.shipment_id is None else str(self.shipment_id),
            "owner_partner_id": str(self.owner_partner_id),
            "state": self.state,
            "rejection_reason": self.rejection_reason,
        }


class UploadSession(SQLModel, table=True):
    """The open upload of a pending object; a multipart one carries the storage's upload
    id and its part layout. Deleted when the upload completes, fails or is aborted."""

    __tablename__ = "upload_session"

    object_id: uuid.UUID = Field(foreign_key="digital_object.id", primary_key=True)
    multipart_upload_id: str | None = Field(default=None, max_length=200)
    part_size: int | None = Field(default=None, sa_column=Column(BigInteger))
    part_count: int = Field(default=1)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class FixityCheck(SQLModel, table=True):
    """One re-verification of an object's stored bytes."""

    __tablename__ = "fixity_check"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    object_id: uuid.UUID = Field(foreign_key="digital_object.id", index=True)
    checked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(max_length=20)
    actual_size: int | None = Field(default=None, sa_column=Column(BigInteger))
    actual_sha256: str | None = Field(default=None, max_length=64)


class Download(SQLModel, table=True):
    """A usage event: who was given a download URL for which object, for which partner."""

    __tablename__ = "download"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    object_id: uuid.UUID = Field(foreign_key="digital_object.id", index=True)
    actor: str = Field(max_length=100)
    account_id: uuid.UUID | None = Field(default=None, foreign_key="account.id")
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partner.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
