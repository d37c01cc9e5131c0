"""The manifest of a shipment, built from its items, and the custodial signatures on it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.allocations.models import Allocation
from exchange.catalogue.models import Work, WorkIdentifier
from exchange.errors import Conflict, NotFound
from exchange.identity.identity import Identity
from exchange.keys import jwks
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.manifests import signing, statement, verify
from exchange.messages import N_
from exchange.objects.models import DigitalObject, ObjectState
from exchange.offers.models import OfferLine
from exchange.policy import PolicyEngine
from exchange.shipments.errors import SigningUnavailable
from exchange.shipments.models import Shipment, ShipmentItem, ShipmentMode


async def build(session: AsyncSession, shipment: Shipment) -> statement.Manifest:
    """What the shipment carries, item by item in the order they were added. A digital
    shipment needs an available file on every item."""
    rows = (
        await session.exec(
            select(ShipmentItem, OfferLine, Work)
            .join(Allocation, col(Allocation.id) == col(ShipmentItem.allocation_id))
            .join(OfferLine, col(OfferLine.id) == col(Allocation.offer_line_id))
            .join(Work, col(Work.id) == col(OfferLine.work_id))
            .where(col(ShipmentItem.shipment_id) == shipment.id)
            .order_by(col(ShipmentItem.id))
        )
    ).all()
    work_ids = {work.id for _item, _line, work in rows}
    identifiers: dict[uuid.UUID, list[statement.Identifier]] = defaultdict(list)
    found = await session.exec(
        select(WorkIdentifier)
        .where(col(WorkIdentifier.work_id).in_(work_ids))
        .order_by(col(WorkIdentifier.scheme), col(WorkIdentifier.value))
    )
    for identifier in found:
        identifiers[identifier.work_id].append(
            statement.Identifier(identifier.scheme, identifier.value)
        )
    object_ids = [item.object_id for item, _line, _work in rows if item.object_id is not None]
    objects = {
        o.id: o
        for o in (
            await session.exec(select(DigitalObject).where(col(DigitalObject.id).in_(object_ids)))
        ).all()
    }
    items = []
    missing = []
    for item, line, work in rows:
        digital = None
        obj = objects.get(item.object_id) if item.object_id is not None else None
        if obj is not None and obj.state == ObjectState.AVAILABLE.value:
            digital = statement.DigitalObject(str(obj.id), obj.size, obj.sha256)
        elif shipment.mode == ShipmentMode.DIGITAL.value:
            missing.append(str(item.allocation_id))
        items.append(
            statement.ManifestItem(
                work_id=work.id,
                identifiers=tuple(identifiers[work.id]),
                title=work.titles[0]["value"],
                quantity=item.quantity,
                format=line.format,
                digital=digital,
            )
        )
    if missing:
        raise Conflict(
            N_(
                "a digital shipment needs an available file on every item;"
                " none on allocation {missing}",
                missing=", ".join(missing),
            ),
            shipment.id,
        )
    return statement.Manifest(
        shipment_id=shipment.id,
        sender=shipment.sender_id,
        receiver=shipment.receiver_id,
        created_at=clock.now(),
        items=tuple(items),
    )


def _available(custody: Custody, partner_id: uuid.UUID) -> None:
    if not custody.enabled:
        raise SigningUnavailable(
            N_(
                "manifests cannot be signed: no key-encryption key is configured"
                " (EXCHANGE_KEY_ENCRYPTION_KEY)"
            ),
            partner_id,
        )


async def sign(
    identity: Identity,
    manifest: statement.Manifest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
    custody: Custody,
) -> dict[str, Any]:
    """The manifest signed with the sender's custodial key."""
    _available(custody, manifest.sender)
    try:
        return await keys.sign_manifest(
            identity, manifest, session=session, policy=policy, custody=custody
        )
    except NotFound:
        raise SigningUnavailable(
            N_(
                "partner {partner} (the sender) has no custodial signing key",
                partner=manifest.sender,
            ),
            manifest.sender,
        ) from None


async def countersign(
    identity: Identity,
    document: dict[str, Any],
    receipt: statement.Receipt,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
    custody: Custody,
) -> dict[str, Any]:
    """The signed manifest with the receiver's receipt and signature added."""
    receiver = signing.signed_manifest(document).receiver
    _available(custody, receiver)
    try:
        return await keys.countersign_manifest(
            identity, document, receipt, session=session, policy=policy, custody=custody
        )
    except NotFound:
        raise SigningUnavailable(
            N_(
                "partner {partner} (the receiver) has no custodial signing key",
                partner=receiver,
            ),
            receiver,
        ) from None


async def checked(
    identity: Identity, document: dict[str, Any], *, session: AsyncSession, policy: PolicyEngine
) -> verify.VerifiedManifest:
    """The signed manifest verified against every published key (``SignatureInvalid``
    says why it does not verify)."""
    ring = jwks.parse(await jwks.build(identity, session=session, policy=policy))
    return verify.verify(document, ring)
