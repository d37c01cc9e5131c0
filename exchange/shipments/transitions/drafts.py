"""A draft shipment: made of active allocations from one donor to one requester, and the
files that carry the items of a digital one."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence

from sqlmodel import col, select

from exchange import clock
from exchange.allocations import names
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_, Ref
from exchange.objects.models import DigitalObject, ObjectState
from exchange.offers.models import Format, Offer, OfferLine
from exchange.policy import PolicyEngine
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.shipments import workflow
from exchange.shipments.access import parties_of, readable, resource
from exchange.shipments.models import Shipment, ShipmentItem, ShipmentMode, ShipmentState
from exchange.shipments.transitions.events import EventDetails, event

MAX_ITEMS = 10_000
LIVE = [s.value for s in ShipmentState if s not in (ShipmentState.CANCELLED, ShipmentState.LOST)]


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
            select(Allocation, OfferLine, Offer, ResourceRequest)
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
    session.add(event(identity, shipment, "create", None, details))
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
