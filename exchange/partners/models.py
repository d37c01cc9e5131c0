from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from exchange.db.types import JSONDocument, UTCDateTime
from exchange.ids import uuid7


class PartnerKind(StrEnum):
    UNIVERSITY_LIBRARY = "university_library"
    NATIONAL_LIBRARY = "national_library"
    RESEARCH_INSTITUTE = "research_institute"
    DONOR_ORGANISATION = "donor_organisation"
    PUBLISHER = "publisher"


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Partner(SQLModel, table=True):
    """An institution. ``names`` is a list of ``{"lang": BCP 47 tag, "value": text}``, the
    first being the preferred one; ``search_text`` is their folded concatenation
    (``partners.validation.search_text``)."""

    __tablename__ = "partner"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    names: list[dict[str, str]] = Field(sa_column=Column(JSONDocument, nullable=False))
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    country: str = Field(max_length=2, index=True)
    kind: str = Field(max_length=30, index=True)
    status: str = Field(max_length=20, index=True)
    tags: list[str] = Field(sa_column=Column(JSONDocument, nullable=False))
    public: bool = Field(default=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    @property
    def preferred_name(self) -> str:
        """The first of ``names``: how the partner is named to people (CLI, bags, pages)."""
        return self.names[0]["value"] if self.names else str(self.id)

    def snapshot(self) -> dict[str, Any]:
        """The audit trail's summary of this partner."""
        return {
            "names": self.names,
            "country": self.country,
            "kind": self.kind,
            "status": self.status,
            "tags": self.tags,
            "public": self.public,
        }
