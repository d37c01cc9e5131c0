from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from exchange.db.types import JSONDocument, UTCDateTime
from exchange.ids import uuid7


class WorkKind(StrEnum):
    TEXTBOOK = "textbook"
    JOURNAL = "journal"
    CO_PUBLICATION = "co_publication"
    SEMINAR_MATERIAL = "seminar_material"
    RECORDED_LECTURE = "recorded_lecture"
    OTHER = "other"


class WorkLevel(StrEnum):
    GENERAL = "general"
    SECONDARY = "secondary"
    UNDERGRADUATE = "undergraduate"
    GRADUATE = "graduate"
    RESEARCH = "research"


class IdentifierScheme(StrEnum):
    ISBN = "isbn"
    ISSN = "issn"
    DOI = "doi"
    CALL_NUMBER = "call_number"
    INVALID_ISBN = "invalid_isbn"  # MARC 020 $z: kept for display, never for matching


# The columns of a work that its audit snapshot holds (besides its creating partner).
SNAPSHOT_FIELDS = (
    "kind",
    "titles",
    "publisher",
    "year",
    "language",
    "subjects",
    "level",
    "course_number",
    "instructor",
    "duration_seconds",
)


class Work(SQLModel, table=True):
    """A bibliographic record. ``titles`` is a list of ``{"lang", "value"}`` (original script
    and romanizations, preferred first). ``search_text`` is the normalized text of every
    searchable field; ``search_tokens`` the same cut into the tokens the full-text indexes
    hold (see ``exchange.catalogue.search``)."""

    __tablename__ = "work"
    __table_args__ = (Index("ix_work_partner_title", "created_by_partner_id", "title_hash"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    kind: str = Field(max_length=30, index=True)
    titles: list[dict[str, str]] = Field(sa_column=Column(JSONDocument, nullable=False))
    publisher: str | None = Field(default=None, max_length=300)
    year: int | None = Field(default=None, index=True)
    language: str = Field(max_length=3, index=True)
    subjects: list[str] = Field(sa_column=Column(JSONDocument, nullable=False))
    level: str | None = Field(default=None, max_length=20)
    course_number: str | None = Field(default=None, max_length=50)
    instructor: str | None = Field(default=None, max_length=300)
    duration_seconds: int | None = Field(default=None)
    available_digitally: bool = Field(default=False, index=True)
    created_by_partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    search_tokens: str = Field(sa_column=Column(Text, nullable=False))
    title_hash: str = Field(default="", max_length=32)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))

    def snapshot(self) -> dict[str, Any]:
        """The audit trail's summary of this work (children are recorded by the service)."""
        return {
            **{name: getattr(self, name) for name in SNAPSHOT_FIELDS},
            "created_by_partner_id": str(self.created_by_partner_id),
        }


class WorkContributor(SQLModel, table=True):
    __tablename__ = "work_contributor"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    work_id: uuid.UUID = Field(foreign_key="work.id", index=True)
    position: int
    name: str = Field(max_length=300)
    romanized: str | None = Field(default=None, max_length=300)
    role: str = Field(max_length=30)


class WorkIdentifier(SQLModel, table=True):
    """A validated identifier in its normal form (ISBNs always as ISBN-13). Call numbers
    and invalid ISBNs are no identity (several editions share a call number): they are
    prefixed with the id of their work, so (scheme, value) stays unique without ever
    joining two works. (Rows written before 0012 carry their partner's id instead.)"""

    __tablename__ = "work_identifier"
    __table_args__ = (UniqueConstraint("scheme", "value"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    work_id: uuid.UUID = Field(foreign_key="work.id", index=True)
    scheme: str = Field(max_length=20)
    value: str = Field(max_length=300)
    qualifier: str | None = Field(default=None, max_length=100)  # MARC 020 $q: "v1", "pbk."


class JournalIssue(SQLModel, table=True):
    __tablename__ = "journal_issue"
    __table_args__ = (UniqueConstraint("work_id", "volume", "number"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    work_id: uuid.UUID = Field(foreign_key="work.id", index=True)
    volume: str = Field(max_length=20)
    number: str = Field(max_length=20)
    year: int


class WorkPartner(SQLModel, table=True):
    """A co-authoring partner institution of a co-publication."""

    __tablename__ = "work_partner"

    work_id: uuid.UUID = Field(foreign_key="work.id", primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partner.id", primary_key=True, index=True)
