"""What the policies see of a digital object, and of the identity asking for it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.errors import NotFound
from exchange.identity.identity import Identity, Role
from exchange.objects.models import DigitalObject, ObjectState
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import Resource
from exchange.policy.resource import ref


@dataclass(frozen=True, slots=True)
class Carrier:
    """The shipment an object is attached to, as its access rule needs it: ``parties`` the
    partners who may see its files (the sender; the receiver too once it left),
    ``released`` whether it was dispatched (or went further)."""

    parties: tuple[uuid.UUID, ...]
    released: bool


def resource(
    obj: DigitalObject,
    owner: Partner,
    today: date,
    recipients: Iterable[uuid.UUID] = (),
    carrier: Carrier | None = None,
) -> Resource:
    """The Cedar entity of ``obj``; ``embargoed`` is decided against ``today``;
    ``recipients`` are the partners that received it in a shipment (see ``recipients_of``);
    ``carrier`` the shipment it is attached to (see ``carriers_of``). An object attached
    to a shipment whose carrier is not given is seen by its owner, coordinators and admins
    only (``objects-shipment-files-stay-with-parties``). Readers and downloads build the
    entity with ``resources``, which reads all of it."""
    owner_resource = partners.resource(owner)
    parties = {obj.owner_partner_id, *(carrier.parties if carrier is not None else ())}
    return Resource(
        "DigitalObject",
        str(obj.id),
        {
            "owner": {"__entity": owner_resource.uid},
            "licenceOpen": obj.licence_open,
            "requiredTag": obj.required_tag or "",
            "embargoed": obj.embargo_until is not None and today < obj.embargo_until,
            "available": obj.state == ObjectState.AVAILABLE.value,
            "recipients": [ref("Partner", str(p)) for p in sorted(set(recipients))],
            "inShipment": obj.shipment_id is not None,
            "shipmentReleased": carrier is not None and carrier.released,
            "shipmentParties": [ref("Partner", str(p)) for p in sorted(parties)],
        },
        tuple(owner_resource.entities()),
        parents=(owner_resource.uid,),
    )


async def resources(
    session: AsyncSession, objects: Sequence[DigitalObject], today: date
) -> dict[uuid.UUID, Resource]:
    """The Cedar entity of each object, for reading and downloading it: owner, recipients
    and carrying shipment read in one query each. Object id to entity."""
    owners = await owners_of(session, list(objects))
    received = await recipients_of_many(session, [o.id for o in objects])
    carriers = await carriers_of(session, objects)
    return {
        o.id: resource(
            o,
            owners[o.owner_partner_id],
            today,
            received[o.id],
            None if o.shipment_id is None else carriers.get(o.shipment_id),
        )
        for o in objects
    }


# The shipment tables, named rather than imported: shipments build on objects, not back.
_ITEM = sa.table("shipment_item", sa.column("shipment_id"), sa.column("object_id"))
_SHIPMENT = sa.table(
    "shipment",
    sa.column("id"),
    sa.column("sender_id"),
    sa.column("receiver_id"),
    sa.column("state"),
)
RECEIVED = ("received", "received_with_discrepancy")
# the states of a shipment that left its sender (exchange/shipments/workflow.py)
RELEASED = ("dispatched", "in_transit", "delivered", "lost", *RECEIVED)


async def carriers_of(
    session: AsyncSession, objects: Iterable[DigitalObject]
) -> dict[uuid.UUID, Carrier]:
    """The shipments the objects are attached to, in one query: shipment id to carrier.
    Its sender sees the files from the start, its receiver once it was dispatched (as
    ``shipments-parties-read`` lets both see the shipment itself)."""
    wanted = list({o.shipment_id for o in objects if o.shipment_id is not None})
    if not wanted:
        return {}
    statement = select(
        _SHIPMENT.c.id, _SHIPMENT.c.sender_id, _SHIPMENT.c.receiver_id, _SHIPMENT.c.state
    ).where(_SHIPMENT.c.id.in_(wanted))
    result: dict[uuid.UUID, Carrier] = {}
    for shipment_id, sender, receiver, state in (await session.exec(statement)).all():
        released = state in RELEASED
        parties = (_uuid(sender), _uuid(receiver)) if released else (_uuid(sender),)
        result[_uuid(shipment_id)] = Carrier(parties, released)
    return result


async def recipients_of(session: AsyncSession, object_id: uuid.UUID) -> list[uuid.UUID]:
    """Partners that received a shipment carrying the object: it is theirs too."""
    statement = (
        select(_SHIPMENT.c.receiver_id)
        .distinct()
        .join(_ITEM, _ITEM.c.shipment_id == _SHIPMENT.c.id)
        .where(_ITEM.c.object_id == object_id, _SHIPMENT.c.state.in_(RECEIVED))
    )
    found = (await session.exec(statement)).all()
    return [value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)) for value in found]


async def recipients_of_many(
    session: AsyncSession, object_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """``recipients_of`` each object, in one query: object id to its recipients."""
    wanted = list(set(object_ids))
    result: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in wanted}
    if not wanted:
        return result
    statement = (
        select(_ITEM.c.object_id, _SHIPMENT.c.receiver_id)
        .distinct()
        .join(_ITEM, _ITEM.c.shipment_id == _SHIPMENT.c.id)
        .where(_ITEM.c.object_id.in_(wanted), _SHIPMENT.c.state.in_(RECEIVED))
    )
    for object_id, receiver_id in (await session.exec(statement)).all():
        result[_uuid(object_id)].append(_uuid(receiver_id))
    return result


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def owner_of(session: AsyncSession, obj: DigitalObject) -> Partner:
    owner = await session.get(Partner, obj.owner_partner_id)
    if owner is None:  # pragma: no cover - a foreign key guarantees it
        raise NotFound("partner", obj.owner_partner_id)
    return owner


async def owners_of(
    session: AsyncSession, objects: list[DigitalObject]
) -> dict[uuid.UUID, Partner]:
    wanted = list({o.owner_partner_id for o in objects})
    if not wanted:
        return {}
    rows = (await session.exec(select(Partner).where(col(Partner.id).in_(wanted)))).all()
    return {p.id: p for p in rows}


async def partners_of(session: AsyncSession, identity: Identity) -> list[Partner]:
    """The identity's partners, oldest first."""
    ids = list(identity.partner_ids())
    if not ids:
        return []
    statement = select(Partner).where(col(Partner.id).in_(ids)).order_by(col(Partner.id))
    return list((await session.exec(statement)).all())


def entitling_partner(
    identity: Identity,
    obj: DigitalObject,
    memberships: list[Partner],
    recipients: Iterable[uuid.UUID] = (),
) -> uuid.UUID | None:
    """The partner a download counts for: the owner when the identity belongs to it, else a
    partner it was shipped to, else a partner carrying the required tag, else the identity's
    first research affiliation."""
    ids = [p.id for p in memberships]
    if obj.owner_partner_id in ids:
        return obj.owner_partner_id
    received = [p for p in ids if p in set(recipients)]
    if received:
        return received[0]
    if obj.required_tag:
        tagged = [p.id for p in memberships if obj.required_tag in p.tags]
        if tagged:
            return tagged[0]
    researching = sorted(identity.partners_with(Role.RESEARCHER))
    if researching:
        return researching[0]
    return ids[0] if ids else None
