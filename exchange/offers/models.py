from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from exchange.db.types import UTCDateTime
from exchange.ids import uuid7


class OfferState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Format(StrEnum):
    PRINT = "print"
    DIGITAL = "digital"


class Condition(StrEnum):
    NEW = "new"
    GOOD = "good"
    FAIR = "fair"


class Offer(SQLModel, table=True):
    __tablename__ = "offer"
    # suggestions walk the open offers in expiry order (migration 0019)
    __table_args__ = (Index("ix_offer_state_expires_at", "state", "expires_at"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    state: str = Field(max_length=20, index=True)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    terms: str = Field(sa_column=Column(Text, nullable=False))
    licence: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    def effective_state(self, now: datetime) -> OfferState:
        return effective_state(self.state, self.expires_at, now)

    def snapshot(self) -> dict[str, Any]:
        return {
            "partner_id": str(self.partner_id),
            "state": self.state,
            "expires_at": self.expires_at.isoformat(),
        }


class OfferLine(SQLModel, table=True):
    """``allocated`` is the sum of the line's active allocations, kept by conditional
    updates; the CHECK constraint is the last line of defence of the invariant."""

    __tablename__ = "offer_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="offer_line_quantity_positive"),
        CheckConstraint(
            "allocated >= 0 AND allocated <= quantity", name="offer_line_never_over_allocated"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    offer_id: uuid.UUID = Field(foreign_key="offer.id", index=True)
    work_id: uuid.UUID = Field(foreign_key="work.id", index=True)
    quantity: int
    allocated: int = 0
    format: str = Field(max_length=10)
    condition: str | None = Field(default=None, max_length=10)

    @property
    def available(self) -> int:
        return self.quantity - self.allocated


class OfferLineIssue(SQLModel, table=True):
    """A journal issue that a line of a journal work offers (``journal_issue`` of the
    line's work; the service checks that it is)."""

    __tablename__ = "offer_line_issue"

    offer_line_id: uuid.UUID = Field(foreign_key="offer_line.id", primary_key=True)
    journal_issue_id: uuid.UUID = Field(
        foreign_key="journal_issue.id", primary_key=True, index=True
    )


def effective_state(state: str, expires_at: datetime, now: datetime) -> OfferState:
    """An open offer past its expiry is expired, whether or not a job has marked it."""
    if state == OfferState.OPEN and expires_at <= now:
        return OfferState.EXPIRED
    return OfferState(state)
