"""The policy's view of an offer and the reads: one offer, a page of offers with their
donors, the lines of offers already read."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.errors import NotFound
from exchange.identity.identity import Identity, Role
from exchange.offers import records
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.offers.records import OfferRecord
from exchange.pagination import Page, PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource


@dataclass(frozen=True, slots=True)
class OfferFilter:
    partner_id: uuid.UUID | None = None
    state: OfferState | None = None
    work_id: uuid.UUID | None = None


def resource(offer: Offer | OfferRecord, partner: Partner) -> Resource:
    return _resource(offer, partners.resource(partner))


def _resource(offer: Offer | OfferRecord, owner: Resource) -> Resource:
    """The offer's Cedar entity, in its donor's (``owner``, ``partners.resource``)."""
    return Resource(
        "Offer",
        str(offer.id),
        {"partner": owner.ref, "state": offer.state},
        related=tuple(owner.entities()),
        parents=(owner.uid,),
    )


async def load(
    session: AsyncSession, offer_id: uuid.UUID, *, lock: bool = False
) -> tuple[Offer, Partner]:
    """The offer ``offer_id`` and its donor (the offer locked for update when ``lock``);
    ``NotFound`` when none. No permission is asked: that is the caller's."""
    statement = select(Offer).where(Offer.id == offer_id)
    if lock:
        statement = statement.with_for_update()
    offer = (await session.exec(statement)).first()
    if offer is None:
        raise NotFound("offer", offer_id)
    partner = await session.get(Partner, offer.partner_id)
    assert partner is not None
    return offer, partner


async def get(
    identity: Identity, offer_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Offer:
    offer, donor = await load(session, offer_id)
    if not policy.allowed(identity, "offer.read", resource(offer, donor)):
        raise NotFound("offer", offer_id)
    return offer


async def list(
    identity: Identity,
    filters: OfferFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[OfferRecord]:
    """Offers the identity may read ("offer.read": a draft only by its donor's librarians
    and admins, the others by any member), oldest first. The state filter uses the
    effective state (open past its expiry counts as expired)."""
    found, _donors = await listed(identity, filters, page, session=session, policy=policy)
    return found


async def listed(
    identity: Identity,
    filters: OfferFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> tuple[Page[OfferRecord], dict[uuid.UUID, Partner]]:
    """``list``, with the donors of the page's offers by id: read to decide each offer,
    they are handed on so that a caller showing them does not read them again (they are
    not checked for "partner.read": that is the caller's to ask). The offers are
    ``records.OfferRecord`` (read by SQLAlchemy Core, as shown, never written back)."""
    policy.require(identity, "offer.list", PLATFORM)
    admin = identity.has_role(Role.ADMIN)
    if not admin and not identity.partner_ids():
        return Page([], False), {}
    params: dict[str, object] = {"limit": page.first + 1}
    if not admin:
        params["own"] = builtins.list(identity.partners_with(Role.LIBRARIAN))
    if filters.partner_id is not None:
        params["partner_id"] = filters.partner_id
    if filters.state in (OfferState.OPEN, OfferState.EXPIRED):
        params["now"] = clock.now()
    if filters.work_id is not None:
        params["work_id"] = filters.work_id
    if page.after is not None:
        params["after"] = page.after
    statement = records.listing(
        not admin,
        filters.partner_id is not None,
        filters.state,
        filters.work_id is not None,
        page.after is not None,
    )
    connection = await session.connection()
    rows = await connection.execute(statement, params)
    found = Page.from_rows([records.OfferRecord._make(row) for row in rows], page)
    donors = await _partners(session, {o.partner_id for o in found.items})
    owners = {i: partners.resource(p) for i, p in donors.items()}  # one per donor
    decisions = policy.allowed_many(
        identity, "offer.read", [_resource(o, owners[o.partner_id]) for o in found.items]
    )
    readable = [o for o, ok in zip(found.items, decisions, strict=True) if ok]
    return Page(readable, found.has_next), donors


# Built once: every page of offers reads its donors.
_PARTNERS = select(Partner).where(col(Partner.id).in_(sa.bindparam("ids", expanding=True)))


async def _partners(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Partner]:
    if not ids:
        return {}
    rows = await session.exec(_PARTNERS, params={"ids": builtins.list(ids)})
    return {p.id: p for p in rows.all()}


async def lines_of(
    offer_ids: Iterable[uuid.UUID], *, session: AsyncSession
) -> dict[uuid.UUID, builtins.list[OfferLine]]:
    """The lines of offers the caller has already been allowed to read (for loaders)."""
    wanted = builtins.list(set(offer_ids))
    result: dict[uuid.UUID, builtins.list[OfferLine]] = {i: [] for i in wanted}
    statement = (
        select(OfferLine).where(col(OfferLine.offer_id).in_(wanted)).order_by(col(OfferLine.id))
    )
    for line in (await session.exec(statement)).all():
        result[line.offer_id].append(line)
    return result
