"""Shipments, their items (allocations) and their events (every transition)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from exchange import clock
from exchange.db.types import UTCDateTime
from exchange.ids import uuid7


class ShipmentMode(StrEnum):
    PHYSICAL = "physical"
    DIGITAL = "digital"


class ShipmentState(StrEnum):
    DRAFT = "draft"
    PACKED = "packed"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    DISPATCHED = "dispatched"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RECEIVED = "received"
    RECEIVED_WITH_DISCREPANCY = "received_with_discrepancy"
    CANCELLED = "cancelled"
    LOST = "lost"


class Shipment(SQLModel, table=True):
    """Allocations going from ``sender`` to ``receiver``. ``manifest`` is the signed
    manifest (a JWS in the general JSON serialization, as text) from dispatch on; the
    receiver's countersignature is added to it on receipt."""

    __tablename__ = "shipment"
    __table_args__ = (CheckConstraint("sender_id <> receiver_id", name="ck_shipment_two_partners"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    sender_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    receiver_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    mode: str = Field(max_length=10)
    state: str = Field(max_length=30, index=True)
    tracking_number: str | None = Field(default=None, max_length=100)
    carrier: str | None = Field(default=None, max_length=100)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    manifest: str | None = Field(default=None, sa_column=Column(Text, nullable=True))

    def snapshot(self) -> dict[str, Any]:
        """The audit trail's summary of this shipment (the manifest is in its events)."""
        return {
            "sender_id": str(self.sender_id),
            "receiver_id": str(self.receiver_id),
            "mode": self.mode,
            "state": self.state,
            "tracking_number": self.tracking_number,
            "carrier": self.carrier,
            "updated_at": clock.iso(self.updated_at),
        }


class ShipmentItem(SQLModel, table=True):
    """One allocation in a shipment; for a digital shipment, the file that carries it
    (a digital object attached to the shipment)."""

    __tablename__ = "shipment_item"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_shipment_item_quantity_positive"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    shipment_id: uuid.UUID = Field(foreign_key="shipment.id", index=True)
    allocation_id: uuid.UUID = Field(foreign_key="allocation.id", index=True)
    quantity: int
    object_id: uuid.UUID | None = Field(default=None, foreign_key="digital_object.id")


class ShipmentEvent(SQLModel, table=True):
    """One transition: who took which action, when, where, and what they noted."""

    __tablename__ = "shipment_event"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    shipment_id: uuid.UUID = Field(foreign_key="shipment.id", index=True)
    action: str = Field(max_length=30)
    from_state: str | None = Field(default=None, max_length=30)
    to_state: str = Field(max_length=30)
    actor: str = Field(max_length=100)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    location: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    tracking_number: str | None = Field(default=None, max_length=100)
    carrier: str | None = Field(default=None, max_length=100)
