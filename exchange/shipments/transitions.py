"""Shipment writers: create, attach files, and take the actions of the state table.

Every function takes the acting identity first and asks the policy engine (the Cedar
action named by the table's row) before it writes; it works inside the caller's unit of
work and never commits. Every transition appends a ``ShipmentEvent`` and an audit record.
``dispatch`` signs the manifest with the sender's custodial key, ``receive`` adds the
receiver's countersignature.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from exchange import clock, text
from exchange.allocations import names
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.keys.custody import Custody
from exchange.manifests import signing, statement
from exchange.messages import N_, Ref
from exchange.objects.models import DigitalObject, ObjectState
from exchange.offers.models import Format, Offer, OfferLine
from exchange.policy import PolicyEngine
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.shipments import manifest as manifests
from exchange.shipments import workflow
from exchange.shipments.access import Parties, parties_of, readable, resource
from exchange.shipments.models import (
    Shipment,
    ShipmentEvent,
    ShipmentItem,
    ShipmentMode,
    ShipmentState,
)
from exchange.shipments.workflow import Action, Facts

MAX_ITEMS = 10_000
LIVE = [s.value for s in ShipmentState if s not in (ShipmentState.CANCELLED, ShipmentState.LOST)]


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


def _event(
    identity: Identity,
    shipment: Shipment,
    action: str,
    source: str | None,
    details: EventDetails,
) -> ShipmentEvent:
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


async def create(
    identity: Identity,
    allocation_ids: Sequence[uuid.UUID],
    mode: ShipmentMode,
    details: EventDetails = EventDetails(),
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Shipment:
    """A draft shipment of active allocations, all from one donor to one requester (the
    donor's librarians). Print allocations travel physically, digital ones digitally; an
    allocation is in at most one live shipment."""
    wanted = builtins.list(dict.fromkeys(allocation_ids))
    if not 1 <= len(wanted) <= MAX_ITEMS:
        raise ValidationFailed.single(
            "allocationIds",
            "out_of_range",
            N_("between 1 and {max_items} allocations", max_items=MAX_ITEMS),
        )
    session = uow.session
    rows = (
        await session.exec(
            sa.select(Allocation, OfferLine, Offer, ResourceRequest)  # type: ignore[call-overload]
            .join(OfferLine, col(OfferLine.id) == col(Allocation.offer_line_id))
            .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
            .join(RequestLine, col(RequestLine.id) == col(Allocation.request_line_id))
            .join(ResourceRequest, col(ResourceRequest.id) == col(RequestLine.request_id))
            .where(col(Allocation.id).in_(wanted))
            .with_for_update(of=Allocation)  # a release in flight waits, or is waited for
        )
    ).all()
    found = {row[0].id: row for row in rows}
    for allocation_id in wanted:
        if allocation_id not in found:
            raise NotFound("allocation", allocation_id)
    senders = {row[2].partner_id for row in rows}
    receivers = {row[3].partner_id for row in rows}
    if len(senders) != 1 or len(receivers) != 1:
        raise ValidationFailed.single(
            "allocationIds", "mixed_partners", "all allocations must go from one partner to one"
        )
    parties = await parties_of(session, senders.pop(), receivers.pop())
    policy.require(identity, "shipment.create", resource(None, parties))
    expected_format = Format.DIGITAL if mode is ShipmentMode.DIGITAL else Format.PRINT

    async def named(allocation_id: uuid.UUID) -> Ref:
        """The allocation as a refusal names it (read only when refusing)."""
        found = await names.titles(session, [allocation_id])
        title, lang = found.get(allocation_id, ("", ""))
        return Ref("allocation", allocation_id, name=title, lang=lang)

    for allocation, line, _offer, _request in rows:
        if allocation.state != AllocationState.ACTIVE.value:
            raise Conflict(
                N_(
                    "{allocation} is {state}",
                    allocation=await named(allocation.id),
                    state=allocation.state,
                ),
                allocation.id,
            )
        if line.format != expected_format.value:
            raise ValidationFailed.single(
                "mode",
                "format_mismatch",
                N_(
                    "{allocation} is {format}",
                    allocation=await named(allocation.id),
                    format=line.format,
                ),
            )
    shipped = (
        await session.exec(
            select(ShipmentItem.allocation_id)
            .join(Shipment, col(Shipment.id) == col(ShipmentItem.shipment_id))
            .where(col(ShipmentItem.allocation_id).in_(wanted), col(Shipment.state).in_(LIVE))
        )
    ).first()
    if shipped is not None:
        raise Conflict(
            N_("{allocation} is already in a shipment", allocation=await named(shipped)), shipped
        )
    now = clock.now()
    shipment = Shipment(
        sender_id=parties.sender.id,
        receiver_id=parties.receiver.id,
        mode=mode.value,
        state=ShipmentState.DRAFT.value,
        created_by=identity.label,
        created_at=now,
        updated_at=now,
    )
    session.add(shipment)
    await session.flush()
    for allocation_id in wanted:
        allocation = found[allocation_id][0]
        session.add(
            ShipmentItem(
                shipment_id=shipment.id, allocation_id=allocation.id, quantity=allocation.quantity
            )
        )
    session.add(_event(identity, shipment, "create", None, details))
    await session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            "shipment.create",
            "shipment",
            str(shipment.id),
            None,
            {**shipment.snapshot(), "allocations": [str(a) for a in wanted]},
        )
    )
    return shipment


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


async def _advance(
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
    uow.session.add(_event(identity, shipment, action.value, source.value, details))
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
    await _advance(
        identity, shipment, parties, action, Facts(parties.held), details, uow=uow, policy=policy
    )
    return shipment


async def attach_object(
    identity: Identity,
    shipment_id: uuid.UUID,
    allocation_id: uuid.UUID,
    object_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> ShipmentItem:
    """Name the file that carries an item of a digital shipment: an available object
    uploaded for this shipment (the sender's librarians, before dispatch)."""
    shipment, parties = await readable(identity, shipment_id, uow.session, policy, for_update=True)
    policy.require(identity, "shipment.pack", resource(shipment, parties))
    if shipment.mode != ShipmentMode.DIGITAL.value:
        raise Conflict("only a digital shipment carries files", shipment.id)
    if ShipmentState(shipment.state) not in workflow.BEFORE_DISPATCH:
        raise Conflict(N_("the shipment is {state}", state=shipment.state), shipment.id)
    item = (
        await uow.session.exec(
            select(ShipmentItem).where(
                ShipmentItem.shipment_id == shipment.id, ShipmentItem.allocation_id == allocation_id
            )
        )
    ).first()
    if item is None:
        raise NotFound("allocation of the shipment", allocation_id)
    obj = await uow.session.get(DigitalObject, object_id)
    if obj is None or obj.shipment_id != shipment.id:
        raise NotFound("digital object of the shipment", object_id)
    if obj.state != ObjectState.AVAILABLE.value:
        raise Conflict(N_("the object is {state}", state=obj.state), obj.id)
    before = None if item.object_id is None else str(item.object_id)
    item.object_id = obj.id
    uow.session.add(item)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            "shipment.attach",
            "shipment",
            str(shipment.id),
            {"allocation_id": str(allocation_id), "object_id": before},
            {"allocation_id": str(allocation_id), "object_id": str(obj.id)},
        )
    )
    return item


async def dispatch(
    identity: Identity,
    shipment_id: uuid.UUID,
    details: EventDetails = EventDetails(),
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    custody: Custody,
) -> Shipment:
    """Send the shipment: the manifest is built from its items and signed with the
    sender's custodial key (``SigningUnavailable`` when that cannot be done)."""
    session = uow.session
    shipment, parties = await readable(identity, shipment_id, session, policy, for_update=True)
    # check the table and the policy before doing the work of building and signing
    step(identity, shipment, parties, Action.DISPATCH, Facts(parties.held), policy)
    built = await manifests.build(session, shipment)
    document = await manifests.sign(
        identity, built, session=session, policy=policy, custody=custody
    )
    await _advance(
        identity,
        shipment,
        parties,
        Action.DISPATCH,
        Facts(parties.held),
        details,
        uow=uow,
        policy=policy,
    )
    shipment.manifest = json.dumps(document, separators=(",", ":"))
    session.add(shipment)
    await session.flush()
    return shipment


async def receive(
    identity: Identity,
    shipment_id: uuid.UUID,
    discrepancies: Sequence[statement.Discrepancy] = (),
    details: EventDetails = EventDetails(),
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    custody: Custody,
) -> Shipment:
    """Confirm receipt (the receiver's librarians): the receiver countersigns the manifest
    with a receipt listing any discrepancy, and the shipment ends ``received`` or
    ``received_with_discrepancy``."""
    for index, discrepancy in enumerate(discrepancies):
        text.checked(discrepancy.note, f"discrepancies[{index}].note", limit=text.MAX_NOTE)
    session = uow.session
    shipment, parties = await readable(identity, shipment_id, session, policy, for_update=True)
    facts = Facts(parties.held, discrepant=bool(discrepancies))
    step(identity, shipment, parties, Action.RECEIVE, facts, policy)
    if shipment.manifest is None:  # dispatch always signs; a row without is corrupt
        raise Conflict("the shipment has no signed manifest", shipment.id)
    document = json.loads(shipment.manifest)
    sent = signing.signed_manifest(document)
    carried = {item.work_id for item in sent.items}
    unknown = [
        FieldError(f"discrepancies[{i}].workId", "not_in_shipment", "no item of this work")
        for i, found in enumerate(discrepancies)
        if found.item not in carried
    ]
    if unknown:  # a receipt states discrepancies of what was sent, nothing else
        raise ValidationFailed(unknown)
    receipt = statement.Receipt(
        manifest_sha256=statement.manifest_digest(sent.canonical()),
        received_at=clock.now(),
        discrepancies=tuple(discrepancies),
    )
    countersigned = await manifests.countersign(
        identity, document, receipt, session=session, policy=policy, custody=custody
    )
    await _advance(
        identity, shipment, parties, Action.RECEIVE, facts, details, uow=uow, policy=policy
    )
    shipment.manifest = json.dumps(countersigned, separators=(",", ":"))
    session.add(shipment)
    await session.flush()
    return shipment


async def record_receipt(
    identity: Identity,
    shipment_id: uuid.UUID,
    countersigned: dict[str, Any],
    discrepant: bool,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Shipment:
    """Take the receive transition with a manifest the receiver countersigned at its own
    instance (the caller has verified ``countersigned``: ``exchange.sync.conflicts``)."""
    session = uow.session
    shipment, parties = await readable(identity, shipment_id, session, policy, for_update=True)
    facts = Facts(parties.held, discrepant=discrepant)
    await _advance(
        identity, shipment, parties, Action.RECEIVE, facts, EventDetails(), uow=uow, policy=policy
    )
    shipment.manifest = json.dumps(countersigned, separators=(",", ":"))
    session.add(shipment)
    await session.flush()
    return shipment
