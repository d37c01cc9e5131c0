"""The record of a transition: what the actor says about it, checked, as a ``ShipmentEvent``."""

from __future__ import annotations

from dataclasses import dataclass

from exchange import text
from exchange.identity.identity import Identity
from exchange.shipments.models import Shipment, ShipmentEvent


@dataclass(frozen=True, slots=True)
class EventDetails:
    """What the actor says about a transition (all optional)."""

    location: str | None = None
    note: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None


def _check_text(field: str, value: str | None, maximum: int) -> None:
    if value is not None:
        text.checked(value, field, limit=maximum)


def event(
    identity: Identity,
    shipment: Shipment,
    action: str,
    source: str | None,
    details: EventDetails,
) -> ShipmentEvent:
    """The event of ``shipment`` entering its current state from ``source`` (None on
    creation), unsaved. The details are held to the text rule (``exchange.text``; code
    points: location 200, note 2000, trackingNumber and carrier 100): ``ValidationFailed``
    naming the field otherwise."""
    _check_text("location", details.location, 200)
    _check_text("note", details.note, 2000)
    _check_text("trackingNumber", details.tracking_number, 100)
    _check_text("carrier", details.carrier, 100)
    return ShipmentEvent(
        shipment_id=shipment.id,
        action=action,
        from_state=source,
        to_state=shipment.state,
        actor=identity.label,
        at=shipment.updated_at,
        location=details.location,
        note=details.note,
        tracking_number=details.tracking_number,
        carrier=details.carrier,
    )
