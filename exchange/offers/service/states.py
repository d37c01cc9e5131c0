"""An offer's life after creation: published, withdrawn or closed, each audited."""

from __future__ import annotations

import uuid

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.offers.models import Offer, OfferState
from exchange.offers.service.reads import load, resource
from exchange.policy import PolicyEngine

_TRANSITIONS = {
    "publish": ({OfferState.DRAFT}, OfferState.OPEN),
    "withdraw": ({OfferState.DRAFT, OfferState.OPEN}, OfferState.WITHDRAWN),
    "close": ({OfferState.OPEN}, OfferState.CLOSED),
}


async def transition(
    identity: Identity, offer_id: uuid.UUID, verb: str, *, uow: UnitOfWork, policy: PolicyEngine
) -> Offer:
    """``publish`` (draft → open), ``withdraw`` (draft|open → withdrawn), ``close`` (open → closed).

    Active allocations stay as they are: they were promised before the change."""
    allowed, target = _TRANSITIONS[verb]
    offer, donor = await load(uow.session, offer_id, lock=True)
    policy.require(identity, "offer.update", resource(offer, donor))
    now = clock.now()
    current = offer.effective_state(now)
    if current not in allowed:
        raise Conflict(
            N_("cannot {verb}: the offer's state is {current}", verb=verb, current=current.value),
            offer.id,
        )
    if target is OfferState.OPEN and offer.expires_at <= now:
        raise Conflict("the offer has expired", offer.id)
    before = offer.snapshot()
    offer.state = target.value
    offer.updated_at = now
    uow.session.add(offer)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label, f"offer.{verb}", "offer", str(offer.id), before, offer.snapshot()
        )
    )
    return offer
