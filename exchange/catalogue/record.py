"""A work as its page shows it: the record with its lists, its creating and co-authoring
partners, and the digital objects the reader may see — read in one call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import identifiers
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import Work
from exchange.catalogue.relations import Relations
from exchange.identity.identity import Identity
from exchange.objects import entitlement
from exchange.objects import service as objects
from exchange.objects.entitlement import Entitlement
from exchange.objects.models import DigitalObject
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine

# A work page lists at most this many digital objects (a lecture series has tens).
OBJECTS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class WorkRecord:
    work: Work
    relations: Relations
    creator: Partner | None  # None when the reader may not see the creating partner
    co_authors: list[Partner]
    objects: list[DigitalObject]
    entitlements: dict[uuid.UUID, Entitlement]  # may the reader download each, or why not

    @property
    def identifiers(self) -> list[tuple[str, str]]:
        """(scheme, value as people write it), in the recorded order."""
        return [
            (i.scheme, identifiers.display(i.scheme, i.value)) for i in self.relations.identifiers
        ]


async def read(
    identity: Identity, work_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> WorkRecord:
    """The work and everything its page shows. Raises ``NotFound`` for an unknown work and
    ``PermissionDenied`` when the identity may not search the catalogue."""
    work = await catalogue.get(identity, work_id, session=session, policy=policy)
    listed = await catalogue.relations_of(identity, [work.id], session=session, policy=policy)
    co_authors = await catalogue.co_authors_of(identity, listed, session=session, policy=policy)
    creators = await partners.get_many(
        identity, [work.created_by_partner_id], session=session, policy=policy
    )
    page = await objects.list(
        identity,
        objects.ObjectFilter(work_id=work.id),
        PageRequest.parse(OBJECTS_SHOWN, None),
        session=session,
        policy=policy,
    )
    shown = list(page.items)
    entitled = await entitlement.of(identity, shown, session=session, policy=policy)
    return WorkRecord(
        work=work,
        relations=listed.get(work.id, Relations()),
        creator=creators.get(work.created_by_partner_id),
        co_authors=co_authors.get(work.id, []),
        objects=shown,
        entitlements=entitled,
    )
