"""Claiming an offer line: directly when its offer is owned here, as a proposal to the
owner otherwise (``exchange.sync.conflicts``, rules 3 and 4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from exchange import clock
from exchange.allocations import service as allocations
from exchange.allocations import sides as sides_of
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import ValidationFailed
from exchange.identity.identity import Identity
from exchange.offers.models import OfferLine
from exchange.policy import PolicyEngine
from exchange.sync import conflicts, instance
from exchange.sync.models import SyncProposal


@dataclass(frozen=True, slots=True)
class Claimed:
    """Either ``allocation_id`` (decided here) or ``proposal_id`` (sent to ``owner``)."""

    allocation_id: uuid.UUID | None
    proposal_id: uuid.UUID | None
    owner: uuid.UUID


async def claim(
    identity: Identity,
    offer_line_id: uuid.UUID,
    request_line_id: uuid.UUID,
    quantity: int,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Claimed:
    """Promise ``quantity`` of an offer line to a request line.

    Raises what ``allocations.allocate`` raises when the offer is owned here; otherwise
    ``PermissionDenied`` (the same policy check) or ``ValidationFailed`` (quantity < 1),
    and the answer comes back in a later bundle."""
    self_id = await instance.ensure(uow)
    line = await uow.session.get(OfferLine, offer_line_id)
    owner = (
        await conflicts.owner_of(uow.session, self_id, "offer", str(line.offer_id))
        if line is not None
        else self_id
    )
    if owner == self_id:
        made = await allocations.allocate(
            identity, offer_line_id, request_line_id, quantity, uow=uow, policy=policy
        )
        return Claimed(made.id, None, self_id)
    if quantity < 1:
        raise ValidationFailed.single("quantity", "too_small", "must be at least 1")
    sides = await sides_of.read(uow.session, offer_line_id, request_line_id)
    policy.require(
        identity, "allocation.create", allocations.resource(sides.donor, sides.requester)
    )
    proposal = SyncProposal(
        proposer_id=self_id,
        owner_id=owner,
        offer_line_id=offer_line_id,
        request_line_id=request_line_id,
        quantity=quantity,
        actor=identity.label,
        created_at=clock.now(),
    )
    uow.session.add(proposal)
    await uow.session.flush()
    after = {"owner": str(owner), "offer_line_id": str(offer_line_id), "quantity": quantity}
    uow.record(
        AuditRecord(identity.label, "proposal.create", "proposal", str(proposal.id), None, after)
    )
    return Claimed(None, proposal.id, owner)
