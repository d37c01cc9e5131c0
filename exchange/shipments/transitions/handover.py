"""The transitions that sign: dispatch signs the manifest with the sender's custodial key,
receipt adds the receiver's countersignature (made here, or at the receiver's instance)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from exchange import clock, text
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, ValidationFailed
from exchange.identity.identity import Identity
from exchange.keys.custody import Custody
from exchange.manifests import signing, statement
from exchange.policy import PolicyEngine
from exchange.shipments import manifest as manifests
from exchange.shipments.access import readable
from exchange.shipments.models import Shipment
from exchange.shipments.transitions.events import EventDetails
from exchange.shipments.transitions.moves import advance, step
from exchange.shipments.workflow import Action, Facts


async def dispatch(
    identity: Identity,
    shipment_id: uuid.UUID,
    details: EventDetails = EventDetails(),
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    custody: Custody,
) -> Shipment:
    """Send the shipment: the manifest is built from its items and signed with the
    sender's custodial key (``SigningUnavailable`` when that cannot be done)."""
    session = uow.session
    shipment, parties = await readable(identity, shipment_id, session, policy, for_update=True)
    # check the table and the policy before doing the work of building and signing
    step(identity, shipment, parties, Action.DISPATCH, Facts(parties.held), policy)
    built = await manifests.build(session, shipment)
    document = await manifests.sign(
        identity, built, session=session, policy=policy, custody=custody
    )
    await advance(
        identity,
        shipment,
        parties,
        Action.DISPATCH,
        Facts(parties.held),
        details,
        uow=uow,
        policy=policy,
    )
    shipment.manifest = json.dumps(document, separators=(",", ":"))
    session.add(shipment)
    await session.flush()
    return shipment


async def receive(
    identity: Identity,
    shipment_id: uuid.UUID,
    discrepancies: Sequence[statement.Discrepancy] = (),
    details: EventDetails = EventDetails(),
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    custody: Custody,
) -> Shipment:
    """Confirm receipt (the receiver's librarians): the receiver countersigns the manifest
    with a receipt listing any discrepancy, and the shipment ends ``received`` or
    ``received_with_discrepancy``."""
    for index, discrepancy in enumerate(discrepancies):
        text.checked(discrepancy.note, f"discrepancies[{index}].note", limit=text.MAX_NOTE)
    session = uow.session
    shipment, parties = await readable(identity, shipment_id, session, policy, for_update=True)
    facts = Facts(parties.held, discrepant=bool(discrepancies))
    step(identity, shipment, parties, Action.RECEIVE, facts, policy)
    if shipment.manifest is None:  # dispatch always signs; a row without is corrupt
        raise Conflict("the shipment has no signed manifest", shipment.id)
    document = json.loads(shipment.manifest)
    sent = signing.signed_manifest(document)
    carried = {item.work_id for item in sent.items}
    unknown = [
        FieldError(f"discrepancies[{i}].workId", "not_in_shipment", "no item of this work")
        for i, found in enumerate(discrepancies)
        if found.item not in carried
    ]
    if unknown:  # a receipt states discrepancies of what was sent, nothing else
        raise ValidationFailed(unknown)
    receipt = statement.Receipt(
        manifest_sha256=statement.manifest_digest(sent.canonical()),
        received_at=clock.now(),
        discrepancies=tuple(discrepancies),
    )
    countersigned = await manifests.countersign(
        identity, document, receipt, session=session, policy=policy, custody=custody
    )
    await advance(
        identity, shipment, parties, Action.RECEIVE, facts, details, uow=uow, policy=policy
    )
    shipment.manifest = json.dumps(countersigned, separators=(",", ":"))
    session.add(shipment)
    await session.flush()
    return shipment


async def record_receipt(
    identity: Identity,
    shipment_id: uuid.UUID,
    countersigned: dict[str, Any],
    discrepant: bool,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Shipment:
    """Take the receive transition with a manifest the receiver countersigned at its own
    instance (the caller has verified ``countersigned``: ``exchange.sync.conflicts``)."""
    session = uow.session
    shipment, parties = await readable(identity, shipment_id, session, policy, for_update=True)
    facts = Facts(parties.held, discrepant=discrepant)
    await advance(
        identity, shipment, parties, Action.RECEIVE, facts, EventDetails(), uow=uow, policy=policy
    )
    shipment.manifest = json.dumps(countersigned, separators=(",", ":"))
    session.add(shipment)
    await session.flush()
    return shipment
