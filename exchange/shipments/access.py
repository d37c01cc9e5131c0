"""Who may see and act on a shipment: its Cedar entity, with both partners."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.errors import NotFound
from exchange.identity.identity import Identity
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine, Resource
from exchange.shipments import workflow
from exchange.shipments.models import Shipment, ShipmentState


@dataclass(frozen=True, slots=True)
class Parties:
    sender: Partner
    receiver: Partner

    @property
    def held(self) -> bool:
        return workflow.REVIEW_TAG in self.receiver.tags


def resource(shipment: Shipment | None, parties: Parties) -> Resource:
    sender, receiver = partners.resource(parties.sender), partners.resource(parties.receiver)
    related = {e["uid"]["id"]: e for e in (*sender.entities(), *receiver.entities())}
    approved = shipment is not None and shipment.state == ShipmentState.APPROVED.value
    return Resource(
        "Shipment",
        "new" if shipment is None else str(shipment.id),
        {"sender": sender.ref, "receiver": receiver.ref, "approved": approved},
        related=tuple(related.values()),
        parents=(sender.uid, receiver.uid),
    )


async def parties_of(
    session: AsyncSession, sender_id: uuid.UUID, receiver_id: uuid.UUID
) -> Parties:
    rows = (
        await session.exec(select(Partner).where(col(Partner.id).in_([sender_id, receiver_id])))
    ).all()
    by_id = {p.id: p for p in rows}
    return Parties(by_id[sender_id], by_id[receiver_id])


async def _load(session: AsyncSession, shipment_id: uuid.UUID, *, for_update: bool) -> Shipment:
    statement_ = select(Shipment).where(Shipment.id == shipment_id)
    if for_update:
        statement_ = statement_.with_for_update()
    shipment = (await session.exec(statement_)).first()
    if shipment is None:
        raise NotFound("shipment", shipment_id)
    return shipment


async def readable(
    identity: Identity,
    shipment_id: uuid.UUID,
    session: AsyncSession,
    policy: PolicyEngine,
    *,
    for_update: bool = False,
) -> tuple[Shipment, Parties]:
    """The shipment and its partners; NotFound when the identity may not even see it."""
    shipment = await _load(session, shipment_id, for_update=for_update)
    parties = await parties_of(session, shipment.sender_id, shipment.receiver_id)
    if not policy.allowed(identity, "shipment.read", resource(shipment, parties)):
        raise NotFound("shipment", shipment_id)
    return shipment, parties
