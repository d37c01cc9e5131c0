"""Every rule that settles a conflict between instances, in one place.

1. **One owner per record.** A record belongs to the instance where it was made: its
   partner's home instance, or the hub for what the hub makes (allocations by its
   coordinators). Here, a record with a ``sync_version`` row is a replica owned by that
   row's origin; any other record is owned here. (``owner_of``)
2. **Only the owner's changes count.** An incoming change is applied when the record is
   new here, or when it comes from the record's owner with a higher sequence than the
   version held. A change from any other origin — to a record owned here, or to a replica
   of a third instance — is ignored; so the state converges to the owner's, whatever
   order bundles arrive in. (``accepts``)
   An allocation counts only when it comes from the owner of its offer line's offer: an
   instance that allocated on its replica of another instance's line (a write that should
   have been a claim) is not believed, so no partition can over-allocate the owner's line.
3. **Replicas are read-only.** Acting on a record owned elsewhere (claiming a line of an
   offer owned by another instance, confirming receipt of its shipment) does not change
   it: it makes a *proposal*, which travels to the owner (``exchange.sync.proposals``).
   Any other write on a replica is refused before its unit of work commits, naming the
   owner (``exchange.sync.ownership``).
4. **The owner decides, once, in arrival order.** At import the owner answers every new
   proposal addressed to it, in the order of the proposer's log, by trying the action
   with its own rules: a claim is an ordinary allocation, so it cannot take more than the
   line has left (``exchange.allocations.ledger``). Accepted or refused, the answer is a
   record owned by the owner (same id as the proposal) and travels back. A proposal that
   already has an answer is never decided again. (``decide``)
5. **Counters: the owner's word, or recounted where owned.** Allocations are made only
   by the offer line's owner (directly or answering a claim), so an offer line's
   ``allocated`` is right at its owner and travels with every allocation; a replica takes
   it as sent (it may not see every allocation: some belong to other partners). Where a
   line is owned here, its counter is recounted from the active allocations held (all
   allocations touching a partner reach that partner's home). A request line may be
   served by owners of different offers in different partitions; its counter is capped
   at its quantity (the items are promised by the offer side; a surplus shows as
   allocations beyond the request, for a coordinator to release). (``recount``)
6. **A receipt is believed on its signatures.** A receipt proposal carries the manifest
   countersigned at the receiver's instance. The owner accepts it only when the
   document verifies against the keys registered here (the receiver partner's key came
   from its home instance), the sender's part is exactly the manifest the owner signed
   at dispatch, and the countersignature is by a key of the shipment's receiver; then
   the shipment takes its receive transition with that document. Otherwise the answer
   is a refusal naming why. (``decide``)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit.chain import AuditRecord
from exchange.db.table import table
from exchange.db.uow import UnitOfWork
from exchange.errors import ExchangeError, ValidationFailed
from exchange.identity.identity import SYSTEM
from exchange.manifests import signing, statement
from exchange.offers.models import OfferLine
from exchange.policy import PolicyEngine
from exchange.requests.models import RequestLine
from exchange.shipments import manifest as manifests
from exchange.shipments import transitions
from exchange.shipments.models import Shipment
from exchange.signing.jws import SignatureInvalid
from exchange.sync import entities
from exchange.sync.models import SyncAnswer, SyncProposal, SyncVersion


async def owner_of(
    session: AsyncSession, self_id: uuid.UUID, entity_type: str, entity_id: str
) -> uuid.UUID:
    """Rule 1: the instance owning the record (``self_id`` unless it is a replica)."""
    held = await session.get(SyncVersion, (entity_type, entity_id))
    return held.origin_id if held is not None else self_id


async def accepts(
    session: AsyncSession, entity_type: str, entity_id: str, origin: uuid.UUID, seq: int
) -> bool:
    """Rule 2: whether a change of the record from ``origin`` at ``seq`` is applied."""
    change = {"type": entity_type, "id": entity_id, "origin": str(origin), "seq": seq}
    return bool(await accepted(session, entity_type, [change]))


async def accepted(
    session: AsyncSession, entity_type: str, batch: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rule 2 for a batch of changes of one record type (bundle change dicts): those to
    apply, one per record (the newest when a record appears twice)."""
    newest: dict[str, dict[str, Any]] = {}
    for change in batch:
        kept = newest.get(change["id"])
        if kept is None or int(kept["seq"]) < int(change["seq"]):
            newest[change["id"]] = change
    versions = table(SyncVersion)
    held_rows = await session.execute(
        sa.select(versions.c.entity_id, versions.c.origin_id, versions.c.seq).where(
            versions.c.entity_type == entity_type, versions.c.entity_id.in_(list(newest))
        )
    )
    held = {i: (o, int(q)) for i, o, q in held_rows.all()}
    codec = entities.CODECS[entity_type]
    column = table(codec.model).c[entities.key_column(codec)]
    unversioned = [entities.entity_value(codec, i) for i in newest if i not in held]
    owned_here: set[str] = set()
    if unversioned:
        found = await session.execute(sa.select(column).where(column.in_(unversioned)))
        owned_here = {str(v) for v in found.scalars()}
    out = []
    for entity_id, change in newest.items():
        if entity_id in held:
            origin, seq = held[entity_id]
            if origin == uuid.UUID(change["origin"]) and seq < int(change["seq"]):
                out.append(change)
        elif entity_id not in owned_here:
            out.append(change)
    if entity_type == "allocation":
        out = await _from_offer_owner(session, out)
    return out


async def _from_offer_owner(
    session: AsyncSession, changes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rule 2, allocations: those whose offer is a replica held from the change's origin."""
    offer_of = {
        c["id"]: str(c["rows"]["offer_line"][0]["offer_id"])
        for c in changes
        if c["rows"].get("offer_line")
    }
    versions = table(SyncVersion)
    held = await session.execute(
        sa.select(versions.c.entity_id, versions.c.origin_id).where(
            versions.c.entity_type == "offer",
            versions.c.entity_id.in_(list(set(offer_of.values()))),
        )
    )
    owner = dict(held.tuples().all())
    return [
        c
        for c in changes
        if c["id"] in offer_of and owner.get(offer_of[c["id"]]) == uuid.UUID(c["origin"])
    ]


async def decide(
    uow: UnitOfWork, self_id: uuid.UUID, proposal: SyncProposal, policy: PolicyEngine
) -> SyncAnswer | None:
    """Rule 4: answer ``proposal`` if it is addressed here and not answered yet."""
    if proposal.owner_id != self_id:
        return None
    if await uow.session.get(SyncAnswer, proposal.id) is not None:
        return None
    allocation_id: uuid.UUID | None = None
    reason: str | None = None
    try:
        async with uow.session.begin_nested():
            if proposal.kind == "receipt":
                await _receive(uow, proposal, policy)
            elif proposal.offer_line_id is None or proposal.request_line_id is None:
                raise ValidationFailed.single("proposal", "invalid", "a claim names two lines")
            else:
                made = await allocations.allocate(
                    SYSTEM,
                    proposal.offer_line_id,
                    proposal.request_line_id,
                    proposal.quantity,
                    uow=uow,
                    policy=policy,
                )
                allocation_id = made.id
    except ExchangeError as error:
        reason = error.message
    except SignatureInvalid as error:
        reason = f"the receipt does not verify: {error.reason}"
    answer = SyncAnswer(
        proposal_id=proposal.id,
        owner_id=self_id,
        proposer_id=proposal.proposer_id,
        accepted=reason is None,
        allocation_id=allocation_id,
        reason=reason,
        decided_at=clock.now(),
    )
    uow.session.add(answer)
    await uow.session.flush()
    after = {"accepted": answer.accepted, "allocation_id": str(allocation_id), "reason": reason}
    uow.record(
        AuditRecord(
            f"proposal:{proposal.actor}", "proposal.answer", "answer", str(proposal.id), None, after
        )
    )
    return answer


async def _receive(uow: UnitOfWork, proposal: SyncProposal, policy: PolicyEngine) -> None:
    """Rule 6."""
    shipment = (
        await uow.session.get(Shipment, proposal.shipment_id) if proposal.shipment_id else None
    )
    if shipment is None or shipment.manifest is None or proposal.document is None:
        raise ValidationFailed.single("proposal", "invalid", "no such dispatched shipment")
    document = proposal.document
    checked = await manifests.checked(SYSTEM, document, session=uow.session, policy=policy)
    dispatched = signing.signed_manifest(json.loads(shipment.manifest))
    if checked.digest != statement.manifest_digest(dispatched.canonical()):
        raise SignatureInvalid("it countersigns another manifest than the one dispatched")
    if checked.receiver is None or checked.receipt is None:
        raise SignatureInvalid("it carries no countersigned receipt")
    if checked.receiver.partner_id != shipment.receiver_id:
        raise SignatureInvalid("it is not countersigned by the shipment's receiver")
    await transitions.record_receipt(
        SYSTEM,
        shipment.id,
        document,
        bool(checked.receipt.discrepancies),
        uow=uow,
        policy=policy,
    )


async def recount(
    session: AsyncSession, offer_lines: Iterable[uuid.UUID], request_lines: Iterable[uuid.UUID]
) -> None:
    """Rule 5: set the ``allocated`` of the lines owned here from their active
    allocations (lines of replicas keep their owner's counter)."""
    allocation = table(Allocation)
    versions = table(SyncVersion)
    for model, column, cap, parent_type, parent_key in (
        (OfferLine, allocation.c.offer_line_id, False, "offer", "offer_id"),
        (RequestLine, allocation.c.request_line_id, True, "request", "request_id"),
    ):
        ids = list(set(offer_lines if model is OfferLine else request_lines))
        if not ids:
            continue
        lines = table(model)
        parents = dict(
            (
                await session.execute(
                    sa.select(lines.c.id, lines.c[parent_key]).where(lines.c.id.in_(ids))
                )
            ).all()
        )
        held = await session.execute(
            sa.select(versions.c.entity_id).where(
                versions.c.entity_type == parent_type,
                versions.c.entity_id.in_([str(p) for p in parents.values()]),
            )
        )
        replicas = set(held.scalars())
        ids = [i for i, parent in parents.items() if str(parent) not in replicas]
        if not ids:
            continue
        total = (
            sa.select(sa.func.coalesce(sa.func.sum(allocation.c.quantity), 0))
            .where(column == lines.c.id, allocation.c.state == AllocationState.ACTIVE.value)
            .scalar_subquery()
        )
        value = sa.case((total > lines.c.quantity, lines.c.quantity), else_=total) if cap else total
        await session.execute(sa.update(lines).where(lines.c.id.in_(ids)).values(allocated=value))
