"""Who may catalogue and edit works, asked the way the writers ask (``service.create``,
``service.update``): pages use these to offer a form or a link only to those the policy
would let through, never by looking at roles themselves."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import Work
from exchange.errors import PermissionDenied
from exchange.identity.identity import Identity
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine


async def cataloguing_partners(
    identity: Identity, *, session: AsyncSession, policy: PolicyEngine
) -> list[Partner]:
    """The partners the identity belongs to that it may catalogue works for (Cedar's
    ``work.create`` on the partner, as ``service.create`` asks it), ordered by id; empty
    for a visitor or when none is allowed (a suspended partner is read-only)."""
    found = await partners.get_many(
        identity, identity.partner_ids(), session=session, policy=policy
    )
    listed = [found[p] for p in sorted(found)]
    decisions = policy.allowed_many(identity, "work.create", [partners.resource(p) for p in listed])
    return [p for p, ok in zip(listed, decisions, strict=True) if ok]


def may_update(identity: Identity, work: Work, creator: Partner, policy: PolicyEngine) -> bool:
    """Whether ``service.update`` would let the identity change ``work`` (Cedar's
    ``work.update``); ``creator`` is the partner that catalogued it."""
    return policy.allowed(identity, "work.update", catalogue.resource(work, creator))


async def cataloguing_denial(
    identity: Identity, *, session: AsyncSession, policy: PolicyEngine
) -> PermissionDenied | None:
    """Why the identity may catalogue for none of its partners: the policy's denial of
    ``work.create`` on the first of them (its role, or its partner's suspension), as
    ``service.create`` would raise it; ``None`` when it belongs to no partner."""
    found = await partners.get_many(
        identity, identity.partner_ids(), session=session, policy=policy
    )
    for partner_id in sorted(found):
        try:
            policy.require(identity, "work.create", partners.resource(found[partner_id]))
        except PermissionDenied as denied:
            return denied
    return None


def update_denial(
    identity: Identity, work: Work, creator: Partner, policy: PolicyEngine
) -> PermissionDenied | None:
    """Why ``service.update`` would refuse the identity ``work`` (the policy's denial of
    ``work.update``, with its reason), or ``None`` when it would not."""
    try:
        policy.require(identity, "work.update", catalogue.resource(work, creator))
    except PermissionDenied as denied:
        return denied
    return None
