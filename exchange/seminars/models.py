from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from exchange.db.types import JSONDocument, UTCDateTime
from exchange.ids import uuid7


class Seminar(SQLModel, table=True):
    """An event held by a partner. ``presenters`` is a list of names."""

    __tablename__ = "seminar"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    title: str = Field(max_length=500)
    presenters: list[str] = Field(sa_column=Column(JSONDocument, nullable=False))
    language: str = Field(max_length=3, index=True)
    held_on: date = Field(index=True)
    host_partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    def snapshot(self, material_ids: list[uuid.UUID]) -> dict[str, Any]:
        return {
            "title": self.title,
            "presenters": self.presenters,
            "language": self.language,
            "held_on": self.held_on.isoformat(),
            "host_partner_id": str(self.host_partner_id),
            "materials": [str(m) for m in material_ids],
        }


class SeminarMaterial(SQLModel, table=True):
    """A work (seminar material or recorded lecture) that belongs to a seminar."""

    __tablename__ = "seminar_material"

    seminar_id: uuid.UUID = Field(foreign_key="seminar.id", primary_key=True)
    work_id: uuid.UUID = Field(foreign_key="work.id", primary_key=True, index=True)
    position: int
