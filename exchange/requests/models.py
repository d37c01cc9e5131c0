from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from exchange.db.types import UTCDateTime
from exchange.ids import uuid7


class RequestState(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class ResourceRequest(SQLModel, table=True):
    """What a partner needs ("request" is the domain's word; the table avoids SQL's)."""

    __tablename__ = "resource_request"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    state: str = Field(max_length=20, index=True)
    note: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    def snapshot(self) -> dict[str, Any]:
        return {"partner_id": str(self.partner_id), "state": self.state}


class RequestLine(SQLModel, table=True):
    """Names a work, or describes a need by subject, language, level and kind."""

    __tablename__ = "request_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="request_line_quantity_positive"),
        CheckConstraint(
            "allocated >= 0 AND allocated <= quantity", name="request_line_never_over_allocated"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="resource_request.id", index=True)
    work_id: uuid.UUID | None = Field(default=None, foreign_key="work.id", index=True)
    subject: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=3)
    level: str | None = Field(default=None, max_length=20)
    kind: str | None = Field(default=None, max_length=30)
    quantity: int
    allocated: int = 0
    priority: str = Field(max_length=10)

    @property
    def outstanding(self) -> int:
        return self.quantity - self.allocated
