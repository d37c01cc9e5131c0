"""Acting on records owned elsewhere: claiming an offer line and confirming a receipt go
directly through their services when the record is owned here, and travel as proposals to
the owner otherwise (``exchange.sync.conflicts``, rules 3, 4 and 6). Every other write on
a replica is refused at commit (``exchange.sync.ownership``). The adapters (GraphQL, pages,
CLI) call these two functions, and show a proposal as "proposed, awaiting <owner>"."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from exchange import clock
from exchange.allocations import quantity as quantities
from exchange.allocations import service as allocations
from exchange.allocations import sides as sides_of
from exchange.audit.chain import AuditRecord
from exchange.db.table import table
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict
from exchange.identity.identity import Identity
from exchange.keys.custody import Custody
from exchange.manifests import signing, statement
from exchange.messages import N_
from exchange.offers.models import OfferLine
from exchange.policy import PolicyEngine
from exchange.shipments import manifest as manifests
from exchange.shipments import transitions
from exchange.shipments.access import readable
from exchange.shipments.errors import IllegalTransition
from exchange.shipments.models import ShipmentState
from exchange.sync import instance, ownership
from exchange.sync.models import SyncAnswer, SyncProposal


@dataclass(frozen=True, slots=True)
class Claimed:
    """Either ``allocation_id`` (decided here) or ``proposal_id`` (sent to ``owner``)."""

    allocation_id: uuid.UUID | None
    proposal_id: uuid.UUID | None
    owner: uuid.UUID

    @property
    def proposed(self) -> bool:
        return self.proposal_id is not None

    @property
    def awaiting(self) -> str:
        """What the caller is told of a proposal: ``proposed, awaiting instance <owner>``."""
        return f"proposed, awaiting instance {self.owner}"


async def claim(
    identity: Identity,
    offer_line_id: uuid.UUID,
    request_line_id: uuid.UUID,
    quantity: int,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    alone: bool = False,
) -> Claimed:
    """Promise ``quantity`` of an offer line to a request line. ``alone``: the claim is
    all the caller writes in ``uow``, committed right after (``allocations.allocate``).

    Raises what ``allocations.allocate`` raises when the offer is owned here; otherwise
    ``PermissionDenied`` (the same policy check) or ``ValidationFailed`` (a quantity out
    of ``allocations.quantity``'s bounds), and the answer comes back in a later bundle."""
    existing = await instance.current(uow.session)
    self_id = existing or await instance.ensure(uow)  # made here: no longer alone
    line = await uow.session.get(OfferLine, offer_line_id)
    owner = (
        await ownership.owner(uow.session, "offer", str(line.offer_id)) if line else None
    ) or self_id
    if owner == self_id:
        made = await allocations.allocate(
            identity,
            offer_line_id,
            request_line_id,
            quantity,
            uow=uow,
            policy=policy,
            alone=alone and existing is not None,
        )
        return Claimed(made.id, None, self_id)
    quantities.require_valid(quantity)
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


async def confirm_receipt(
    identity: Identity,
    shipment_id: uuid.UUID,
    discrepancies: Sequence[statement.Discrepancy] = (),
    details: transitions.EventDetails | None = None,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    custody: Custody,
) -> Claimed:
    """The receiver's librarian confirms receipt of a shipment.

    When the shipment is owned here this is ``transitions.receive``. Otherwise the
    manifest is countersigned here, with the receiver partner's key held at this instance,
    and the countersigned document travels to the owner as a ``receipt`` proposal; the
    shipment replica is left as it is until the owner's answer and new state come back.
    Raises ``PermissionDenied`` / ``SigningUnavailable`` as countersigning does, ``Conflict``
    when the shipment has no signed manifest."""
    self_id = await instance.ensure(uow)
    owner = await ownership.owner(uow.session, "shipment", str(shipment_id)) or self_id
    if owner == self_id:
        await transitions.receive(
            identity,
            shipment_id,
            discrepancies,
            details or transitions.EventDetails(),
            uow=uow,
            policy=policy,
            custody=custody,
        )
        return Claimed(None, None, self_id)
    shipment, _parties = await readable(identity, shipment_id, uow.session, policy)
    if shipment.manifest is None:
        raise Conflict("the shipment has no signed manifest", shipment.id)
    if shipment.state != ShipmentState.DELIVERED.value:
        raise IllegalTransition("receive", shipment.state, (), shipment.id)
    if await _pending_receipt(uow, shipment_id):
        raise Conflict(
            N_("a receipt is already proposed, awaiting instance {owner}", owner=owner), shipment_id
        )
    document = json.loads(shipment.manifest)
    sent = signing.signed_manifest(document)
    receipt = statement.Receipt(
        manifest_sha256=statement.manifest_digest(sent.canonical()),
        received_at=clock.now(),
        discrepancies=tuple(discrepancies),
    )
    countersigned = await manifests.countersign(
        identity, document, receipt, session=uow.session, policy=policy, custody=custody
    )
    proposal = SyncProposal(
        proposer_id=self_id,
        owner_id=owner,
        kind="receipt",
        shipment_id=shipment_id,
        document=countersigned,
        actor=identity.label,
        created_at=clock.now(),
    )
    uow.session.add(proposal)
    await uow.session.flush()
    after = {"owner": str(owner), "shipment_id": str(shipment_id), "kind": "receipt"}
    uow.record(
        AuditRecord(identity.label, "proposal.create", "proposal", str(proposal.id), None, after)
    )
    return Claimed(None, proposal.id, owner)


async def _pending_receipt(uow: UnitOfWork, shipment_id: uuid.UUID) -> bool:
    proposals, answers = table(SyncProposal), table(SyncAnswer)
    statement = (
        sa.select(proposals.c.id)
        .outerjoin(answers, answers.c.proposal_id == proposals.c.id)
        .where(
            proposals.c.kind == "receipt",
            proposals.c.shipment_id == shipment_id,
            answers.c.proposal_id.is_(None),
        )
        .limit(1)
    )
    return (await uow.session.execute(statement)).first() is not None
