"""What a digital object is attached to: exactly one work, seminar or shipment, which
must exist and be the caller's to attach to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue.models import Work
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.seminars.models import Seminar


@dataclass(frozen=True, slots=True)
class Attachment:
    """What the object belongs to: exactly one of the three."""

    work_id: uuid.UUID | None = None
    seminar_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None


async def check(
    identity: Identity,
    attachment: Attachment,
    owner: Partner,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> None:
    """The thing the object is attached to exists, and the identity may attach to it.

    * a work: any catalogued work (a digital copy of a work is any partner's to hold);
    * a seminar: who may change it (``seminar.update``: its host's librarians, staff);
    * a shipment: a digital one not yet dispatched, sent by the object's owner, that the
      identity may see and pack (``shipment.pack``: the sender's librarians, admins).

    Raises NotFound (the thing does not exist, or the identity may not see it),
    PermissionDenied, or Conflict; nothing is written."""
    from exchange.seminars import service as seminars
    from exchange.shipments import access as shipments
    from exchange.shipments import workflow
    from exchange.shipments.models import ShipmentMode, ShipmentState

    if attachment.work_id is not None and await session.get(Work, attachment.work_id) is None:
        raise NotFound("work", attachment.work_id)
    seminar_id = attachment.seminar_id
    if seminar_id is not None:
        seminar = await session.get(Seminar, seminar_id)
        if seminar is None:
            raise NotFound("seminar", seminar_id)
        host = await session.get(Partner, seminar.host_partner_id)
        assert host is not None  # a foreign key
        policy.require(identity, "seminar.update", seminars.resource(seminar, host))
    if attachment.shipment_id is not None:
        shipment, parties = await shipments.readable(
            identity, attachment.shipment_id, session, policy
        )
        policy.require(identity, "shipment.pack", shipments.resource(shipment, parties))
        if shipment.sender_id != owner.id:
            raise ValidationFailed.single(
                "ownerPartnerId", "not_sender", "a shipment carries its sender's objects"
            )
        if shipment.mode != ShipmentMode.DIGITAL.value:
            raise Conflict("only a digital shipment carries files", shipment.id)
        if ShipmentState(shipment.state) not in workflow.BEFORE_DISPATCH:
            raise Conflict(N_("the shipment is {state}", state=shipment.state), shipment.id)
