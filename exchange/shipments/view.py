"""A shipment as its page shows it: both parties, each item with its work, the timeline,
the actions open to the reader, and the signed manifest checked against the published
keys (who signed, whether the receiver countersigned, the discrepancies it reported)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations.models import Allocation
from exchange.catalogue.models import Work
from exchange.errors import ExchangeError
from exchange.identity.identity import Identity
from exchange.manifests.verify import VerifiedManifest
from exchange.offers.models import OfferLine
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.shipments import manifest as manifests
from exchange.shipments import service as shipments
from exchange.shipments.access import readable
from exchange.shipments.models import Shipment, ShipmentEvent, ShipmentItem
from exchange.shipments.workflow import Action
from exchange.signing.jws import SignatureInvalid


@dataclass(frozen=True, slots=True)
class ItemView:
    item: ShipmentItem
    work: Work


@dataclass(frozen=True, slots=True)
class ManifestCheck:
    """``verified`` is None before dispatch; ``problem`` says why a manifest fails."""

    verified: VerifiedManifest | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class ShipmentView:
    shipment: Shipment
    sender: Partner
    receiver: Partner
    items: list[ItemView]
    events: list[ShipmentEvent]
    actions: list[Action]
    manifest: ManifestCheck


async def read(
    identity: Identity, shipment_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> ShipmentView:
    """Raises ``NotFound`` when the shipment does not exist or is not the identity's."""
    shipment, parties = await readable(identity, shipment_id, session, policy)
    rows = (
        await session.exec(
            select(ShipmentItem, Work)
            .join(Allocation, col(Allocation.id) == col(ShipmentItem.allocation_id))
            .join(OfferLine, col(OfferLine.id) == col(Allocation.offer_line_id))
            .join(Work, col(Work.id) == col(OfferLine.work_id))
            .where(col(ShipmentItem.shipment_id) == shipment.id)
            .order_by(col(ShipmentItem.id))
        )
    ).all()
    events = (await shipments.events_of([shipment.id], session=session))[shipment.id]
    actions = await shipments.available_actions(identity, shipment, session=session, policy=policy)
    return ShipmentView(
        shipment,
        parties.sender,
        parties.receiver,
        [ItemView(item, work) for item, work in rows],
        events,
        actions,
        await _check(identity, shipment, session=session, policy=policy),
    )


async def _check(
    identity: Identity, shipment: Shipment, *, session: AsyncSession, policy: PolicyEngine
) -> ManifestCheck:
    document = shipments.signed_manifest(shipment)
    if document is None:
        return ManifestCheck(None, None)
    try:
        verified = await manifests.checked(identity, document, session=session, policy=policy)
    except (ExchangeError, SignatureInvalid) as error:
        return ManifestCheck(None, str(error))
    return ManifestCheck(verified, None)
