"""Shipment writers: create, attach files, and take the actions of the state table.

Every function takes the acting identity first and asks the policy engine (the Cedar
action named by the table's row) before it writes; it works inside the caller's unit of
work and never commits. Every transition appends a ``ShipmentEvent`` and an audit record.
``dispatch`` signs the manifest with the sender's custodial key, ``receive`` adds the
receiver's countersignature.

``drafts`` makes a shipment and names its files, ``moves`` takes the actions that only move
the state, ``handover`` the two that sign (dispatch and receipt); ``events`` records them.
"""

from exchange.shipments.transitions.drafts import LIVE, MAX_ITEMS, attach_object, create
from exchange.shipments.transitions.events import EventDetails
from exchange.shipments.transitions.handover import dispatch, receive, record_receipt
from exchange.shipments.transitions.moves import act, step

__all__ = [
    "LIVE",
    "MAX_ITEMS",
    "EventDetails",
    "act",
    "attach_object",
    "create",
    "dispatch",
    "receive",
    "record_receipt",
    "step",
]
