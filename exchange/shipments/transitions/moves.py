"""State changes: the table's row for an action, authorized by Cedar, applied to the shipment
with its event and audit record; ``act`` for the actions that only move the state."""

from __future__ import annotations

import uuid

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.shipments import workflow
from exchange.shipments.access import Parties, readable, resource
from exchange.shipments.models import Shipment, ShipmentState
from exchange.shipments.transitions.events import EventDetails, event
from exchange.shipments.workflow import Action, Facts


def step(
    identity: Identity,
    shipment: Shipment,
    parties: Parties,
    action: Action,
    facts: Facts,
    policy: PolicyEngine,
) -> workflow.Transition:
    """The table's row for ``action``, authorized by Cedar; ``IllegalTransition`` lists
    only the actions this identity may take from the current state."""
    target = resource(shipment, parties)
    row = workflow.next_step(
        action,
        ShipmentState(shipment.state),
        facts,
        shipment.id,
        lambda permission: policy.allowed(identity, permission, target),
    )
    policy.require(identity, row.permission, target)
    return row


async def advance(
    identity: Identity,
    shipment: Shipment,
    parties: Parties,
    action: Action,
    facts: Facts,
    details: EventDetails,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> None:
    """Take ``action``: the table picks the row, Cedar authorizes it, the event records it."""
    source = ShipmentState(shipment.state)
    row = step(identity, shipment, parties, action, facts, policy)
    before = shipment.snapshot()
    shipment.state = row.target.value
    shipment.updated_at = clock.now()
    if details.tracking_number is not None:
        shipment.tracking_number = details.tracking_number
    if details.carrier is not None:
        shipment.carrier = details.carrier
    uow.session.add(shipment)
    uow.session.add(event(identity, shipment, action.value, source.value, details))
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            f"shipment.{action.value}",
            "shipment",
            str(shipment.id),
            before,
            shipment.snapshot(),
        )
    )


async def act(
    identity: Identity,
    shipment_id: uuid.UUID,
    action: Action,
    details: EventDetails = EventDetails(),
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Shipment:
    """Take an action that only moves the state: pack, approve, mark_in_transit,
    mark_delivered, cancel, lose. Dispatch and receive sign, so they have functions of
    their own."""
    if action in (Action.DISPATCH, Action.RECEIVE):
        raise ValueError(f"use {action.value}() for {action.value}")
    shipment, parties = await readable(identity, shipment_id, uow.session, policy, for_update=True)
    await advance(
        identity, shipment, parties, action, Facts(parties.held), details, uow=uow, policy=policy
    )
    return shipment
