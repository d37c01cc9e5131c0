"""An offer as its page shows it: the offer, its donor, and each line with its work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import Work
from exchange.identity.identity import Identity
from exchange.offers import service as offers
from exchange.offers.models import Offer, OfferLine
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine


@dataclass(frozen=True, slots=True)
class OfferView:
    offer: Offer
    donor: Partner
    lines: list[tuple[OfferLine, Work | None]]
    may_change: bool  # whether the reader may publish, withdraw or close it


async def read(
    identity: Identity, offer_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> OfferView:
    """The offer with its lines' works (three queries). Raises ``NotFound`` when the offer
    does not exist or is not the identity's to read."""
    offer = await offers.get(identity, offer_id, session=session, policy=policy)
    _offer, donor = await offers.load(session, offer.id)
    lines = (await offers.lines_of([offer.id], session=session)).get(offer.id, [])
    works = await catalogue.get_many(
        identity, [line.work_id for line in lines], session=session, policy=policy
    )
    may_change = policy.allowed(identity, "offer.update", offers.resource(offer, donor))
    return OfferView(offer, donor, [(line, works.get(line.work_id)) for line in lines], may_change)
