"""A partner's standing: suspended (readable, but nothing it owns can be written) or active
again, each with an audited reason."""

from __future__ import annotations

import uuid

from exchange import clock, text
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.partners.models import Partner, PartnerStatus
from exchange.partners.service.reads import load, resource
from exchange.policy import PolicyEngine

MAX_REASON = 1_000  # code points of a suspension or reactivation reason


async def _set_status(
    identity: Identity,
    partner_id: uuid.UUID,
    status: PartnerStatus,
    action: str,
    note: str,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    partner = await load(uow.session, partner_id, for_update=True)
    policy.require(identity, action, resource(partner))
    if partner.status == status.value:
        raise Conflict(N_("the partner is already {status}", status=status.value), partner.id)
    note = text.checked(note, "reason", limit=MAX_REASON)
    before = partner.snapshot()
    partner.status = status.value
    partner.updated_at = clock.now()
    uow.session.add(partner)
    await uow.session.flush()
    after = {**partner.snapshot(), "reason": note} if note else partner.snapshot()
    uow.record(AuditRecord(identity.label, action, "partner", str(partner.id), before, after))
    return partner


async def suspend(
    identity: Identity,
    partner_id: uuid.UUID,
    reason: str = "",
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    """Suspend a partner: it can still be read, but nothing it owns can be written.
    ``reason`` is held to the text rule (``exchange.text``, at most ``MAX_REASON`` code
    points): ``ValidationFailed`` on field ``reason`` (``forbidden_character``, ``too_long``)."""
    return await _set_status(
        identity,
        partner_id,
        PartnerStatus.SUSPENDED,
        "partner.suspend",
        reason,
        uow=uow,
        policy=policy,
    )


async def reactivate(
    identity: Identity,
    partner_id: uuid.UUID,
    reason: str = "",
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    return await _set_status(
        identity,
        partner_id,
        PartnerStatus.ACTIVE,
        "partner.reactivate",
        reason,
        uow=uow,
        policy=policy,
    )
