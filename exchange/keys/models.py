from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from exchange import clock
from exchange.db.types import UTCDateTime
from exchange.ids import uuid7


class SigningKey(SQLModel, table=True):
    """A partner's Ed25519 key. ``kid`` is the RFC 7638 thumbprint of the public key, which
    is stored raw in base64url. ``encrypted_private_key`` is set only for custodial keys
    (the server signs for the partner): AES-256-GCM, see ``exchange.keys.custody``."""

    __tablename__ = "signing_key"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    kid: str = Field(max_length=43, unique=True)
    public_key: str = Field(max_length=43)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    encrypted_private_key: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary(), nullable=True)
    )

    @property
    def custodial(self) -> bool:
        return self.encrypted_private_key is not None

    def snapshot(self) -> dict[str, Any]:
        """The audit trail's summary of this key (never the private key)."""
        return {
            "partner_id": str(self.partner_id),
            "kid": self.kid,
            "public_key": self.public_key,
            "created_at": clock.iso(self.created_at),
            "revoked_at": None if self.revoked_at is None else clock.iso(self.revoked_at),
            "custodial": self.custodial,
        }
