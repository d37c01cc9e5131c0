from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from exchange.db.types import UTCDateTime
from exchange.ids import uuid7


class AllocationState(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    CANCELLED = "cancelled"


class Allocation(SQLModel, table=True):
    __tablename__ = "allocation"
    __table_args__ = (CheckConstraint("quantity > 0", name="allocation_quantity_positive"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    offer_line_id: uuid.UUID = Field(foreign_key="offer_line.id", index=True)
    request_line_id: uuid.UUID = Field(foreign_key="request_line.id", index=True)
    quantity: int
    state: str = Field(max_length=20, index=True)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    def snapshot(self) -> dict[str, Any]:
        return {
            "offer_line_id": str(self.offer_line_id),
            "request_line_id": str(self.request_line_id),
            "quantity": self.quantity,
            "state": self.state,
        }
