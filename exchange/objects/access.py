"""What the policies see of a digital object, and of the identity asking for it."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.errors import NotFound
from exchange.identity.identity import Identity, Role
from exchange.objects.models import DigitalObject, ObjectState
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import Resource


def resource(obj: DigitalObject, owner: Partner, today: date) -> Resource:
    """The Cedar entity of ``obj``; ``embargoed`` is decided against ``today``."""
    owner_resource = partners.resource(owner)
    return Resource(
        "DigitalObject",
        str(obj.id),
        {
            "owner": {"__entity": owner_resource.uid},
            "licenceOpen": obj.licence_open,
            "requiredTag": obj.required_tag or "",
            "embargoed": obj.embargo_until is not None and today < obj.embargo_until,
            "available": obj.state == ObjectState.AVAILABLE.value,
        },
        tuple(owner_resource.entities()),
    )


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
    identity: Identity, obj: DigitalObject, memberships: list[Partner]
) -> uuid.UUID | None:
    """The partner a download counts for: the owner when the identity belongs to it, else
    a partner carrying the required tag, else the identity's first research affiliation."""
    ids = [p.id for p in memberships]
    if obj.owner_partner_id in ids:
        return obj.owner_partner_id
    if obj.required_tag:
        tagged = [p.id for p in memberships if obj.required_tag in p.tags]
        if tagged:
            return tagged[0]
    researching = sorted(identity.partners_with(Role.RESEARCHER))
    if researching:
        return researching[0]
    return ids[0] if ids else None
