"""The demo's digital shipment: the Open Shelves Foundation sends two digital copies of the
journal it offers to the Grand People's Study House, for its described need for library
science in English. The file travels with the shipment, the coordinator approves it (the
receiver is a review destination) and it is dispatched, its manifest signed with the
file's SHA-256; the receiver has yet to confirm receipt."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator

from sqlmodel import col, select

from exchange.allocations import service as allocations
from exchange.catalogue.models import Work
from exchange.demo.shipments import custody
from exchange.identity.identity import SYSTEM, Identity
from exchange.objects import uploads
from exchange.offers.models import Format, Offer, OfferLine
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.runtime import Runtime
from exchange.shipments import transitions
from exchange.shipments.models import Shipment, ShipmentMode
from exchange.shipments.workflow import Action

JOURNAL = "Journal of Library Science in Asia"
FILENAME = "jlsa-volume-12.txt"
ISSUES = (
    b"Journal of Library Science in Asia, volume 12 (2023), numbers 1-4\n"
    b"Digital copies for the library-science reading room, sent by the Open Shelves Foundation.\n"
)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _lines(runtime: Runtime, donor: uuid.UUID, receiver: uuid.UUID) -> tuple[uuid.UUID, ...]:
    """(the donor's digital offer line of the journal, the receiver's described need)."""
    async with runtime.db.read() as session:
        journal = next(
            w.id
            for w in (await session.exec(select(Work))).all()
            if any(t["value"] == JOURNAL for t in w.titles)
        )
        offered = await session.exec(
            select(OfferLine.id)
            .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
            .where(Offer.partner_id == donor, OfferLine.work_id == journal)
            .where(OfferLine.format == Format.DIGITAL.value)
        )
        needed = await session.exec(
            select(RequestLine.id)
            .join(ResourceRequest, col(ResourceRequest.id) == col(RequestLine.request_id))
            .where(ResourceRequest.partner_id == receiver, col(RequestLine.work_id).is_(None))
        )
        return offered.one(), needed.one()


async def load(
    runtime: Runtime, partners: dict[str, uuid.UUID], people: dict[str, Identity]
) -> Shipment:
    """Allocate, pack with its file, approve and dispatch the digital shipment."""
    policy, donor, coordinator = runtime.policy, people["foundation"], people["coordinator"]
    offer_line, request_line = await _lines(runtime, partners["foundation"], partners["national"])
    async with runtime.db.unit_of_work() as uow:
        allocation = await allocations.allocate(
            coordinator, offer_line, request_line, 2, uow=uow, policy=policy
        )
        note = transitions.EventDetails(note="Two digital copies of volume 12.")
        shipment = await transitions.create(
            donor, [allocation.id], ShipmentMode.DIGITAL, note, uow=uow, policy=policy
        )
        draft = uploads.UploadDraft(
            FILENAME,
            len(ISSUES),
            hashlib.sha256(ISSUES).hexdigest(),
            "text/plain",
            "CC-BY-4.0",
            uploads.Attachment(shipment_id=shipment.id),
            partners["foundation"],
        )
        started = await uploads.start_upload(
            SYSTEM, draft, uow=uow, storage=runtime.storage, policy=policy, presign=False
        )
    await runtime.storage.put(
        started.object.storage_key, _once(ISSUES), expected_size=len(ISSUES),
        expected_sha256=draft.sha256,
    )  # fmt: skip
    await uploads.complete_upload(
        SYSTEM, started.object.id, db=runtime.db, storage=runtime.storage, policy=policy
    )
    async with runtime.db.unit_of_work() as uow:
        await transitions.attach_object(
            donor, shipment.id, allocation.id, started.object.id, uow=uow, policy=policy
        )
        await transitions.act(donor, shipment.id, Action.PACK, uow=uow, policy=policy)
        await transitions.act(
            coordinator, shipment.id, Action.APPROVE,
            transitions.EventDetails(note="Open licence; nothing to review."),
            uow=uow, policy=policy,
        )  # fmt: skip
        return await transitions.dispatch(
            donor, shipment.id, transitions.EventDetails("Berlin", "Sent by the link."),
            uow=uow, policy=policy, custody=custody(runtime.settings),
        )  # fmt: skip
