"""A scene for shipment tests: a donor, two receivers (one flagged for review), custodial
keys, print and digital allocations, and who is who."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from exchange import clock
from exchange.allocations import service as allocations
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.objects import uploads
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.shipments import transitions
from exchange.shipments.models import Shipment, ShipmentMode
from tests.conftest import World


def person(partner: uuid.UUID, role: Role) -> Identity:
    return Identity(account_id=uuid.uuid4(), grants=(Grant(partner, role),))


@dataclass(frozen=True)
class Scene:
    donor: uuid.UUID
    national: uuid.UUID  # tagged review-destination
    campus: uuid.UUID  # not under review
    works: list[uuid.UUID]
    print_line: uuid.UUID
    digital_line: uuid.UUID
    sender: Identity
    receivers: dict[uuid.UUID, Identity]
    coordinator: Identity
    outsider: Identity

    def custody(self, runtime: Runtime) -> Custody:
        return Custody(runtime.settings.key_encryption_key_bytes)


async def make_scene(runtime: Runtime, world: World, *, custodial: bool = True) -> Scene:
    donor, national = uuid.UUID(world.donor), uuid.UUID(world.national)
    policy = runtime.policy
    custody = Custody(runtime.settings.key_encryption_key_bytes)
    async with runtime.db.unit_of_work() as uow:
        campus = (
            await partners.create(
                SYSTEM,
                partners.PartnerDraft(
                    [("en", "Riverside University Library")],
                    "KE",
                    PartnerKind.UNIVERSITY_LIBRARY,
                    [],
                ),
                uow=uow,
                policy=policy,
            )
        ).id
        if custodial:
            for partner_id in (donor, national, campus):
                await keys.create_custodial(
                    SYSTEM, partner_id, uow=uow, policy=policy, custody=custody
                )
        works = []
        for index, isbn in enumerate(("9780306406157", "9780262033848")):
            draft = WorkDraft(
                kind=WorkKind.TEXTBOOK,
                titles=[("en", f"Numerical Methods, part {index + 1}")],
                language="en",
                partner_id=donor,
                identifiers=[(IdentifierScheme.ISBN, isbn)],
            )
            works.append((await catalogue.create(SYSTEM, draft, uow=uow, policy=policy)).id)
        sender = person(donor, Role.LIBRARIAN)
        offer = await offers.create(
            sender,
            offers.OfferDraft(
                donor,
                [
                    offers.OfferLineDraft(works[0], 1000, Format.PRINT, Condition.NEW),
                    offers.OfferLineDraft(works[1], 1000, Format.DIGITAL),
                ],
                clock.now() + timedelta(days=30),
                licence="CC-BY-4.0",
            ),
            uow=uow,
            policy=policy,
        )
        await offers.transition(sender, offer.id, "publish", uow=uow, policy=policy)
        lines = (await offers.lines_of([offer.id], session=uow.session))[offer.id]
    return Scene(
        donor=donor,
        national=national,
        campus=campus,
        works=works,
        print_line=lines[0].id,
        digital_line=lines[1].id,
        sender=sender,
        receivers={
            national: person(national, Role.LIBRARIAN),
            campus: person(campus, Role.LIBRARIAN),
        },
        coordinator=person(donor, Role.COORDINATOR),
        outsider=person(uuid.uuid4(), Role.LIBRARIAN),
    )


async def allocate(
    runtime: Runtime, scene: Scene, receiver: uuid.UUID, line: uuid.UUID, quantity: int
) -> uuid.UUID:
    """A request of ``receiver`` for the line's work, and an allocation to it."""
    librarian = scene.receivers[receiver]
    work = scene.works[0] if line == scene.print_line else scene.works[1]
    async with runtime.db.unit_of_work() as uow:
        request = await requests.create(
            librarian,
            requests.RequestDraft(receiver, [requests.RequestLineDraft(quantity, work_id=work)]),
            uow=uow,
            policy=runtime.policy,
        )
        request_line = (await requests.lines_of([request.id], session=uow.session))[request.id][0]
        allocation = await allocations.allocate(
            librarian, line, request_line.id, quantity, uow=uow, policy=runtime.policy
        )
    return allocation.id


async def draft(
    runtime: Runtime,
    scene: Scene,
    receiver: uuid.UUID,
    mode: ShipmentMode = ShipmentMode.PHYSICAL,
    quantity: int = 3,
) -> Shipment:
    line = scene.print_line if mode is ShipmentMode.PHYSICAL else scene.digital_line
    allocation = await allocate(runtime, scene, receiver, line, quantity)
    async with runtime.db.unit_of_work() as uow:
        shipment = await transitions.create(
            scene.sender, [allocation], mode, uow=uow, policy=runtime.policy
        )
    if mode is ShipmentMode.DIGITAL:
        await attach_file(runtime, scene, shipment, allocation, b"chapter one\n" * 1000)
    return shipment


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def attach_file(
    runtime: Runtime,
    scene: Scene,
    shipment: Shipment,
    allocation: uuid.UUID,
    data: bytes,
    licence: str = "CC-BY-4.0",
) -> uuid.UUID:
    """Upload ``data`` for the shipment and name it as the allocation's file."""
    digest = hashlib.sha256(data).hexdigest()
    upload = uploads.UploadDraft(
        "chapter.txt",
        len(data),
        digest,
        "text/plain",
        licence,
        uploads.Attachment(shipment_id=shipment.id),
        scene.donor,
    )
    async with runtime.db.unit_of_work() as uow:
        started = await uploads.start_upload(
            SYSTEM, upload, uow=uow, storage=runtime.storage, policy=runtime.policy, multipart=False
        )
    await runtime.storage.put(
        started.object.storage_key, _once(data), expected_size=len(data), expected_sha256=digest
    )
    completion = await uploads.complete_upload(
        SYSTEM, started.object.id, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )
    assert completion.rejected is None
    async with runtime.db.unit_of_work() as uow:
        await transitions.attach_object(
            scene.sender, shipment.id, allocation, started.object.id, uow=uow, policy=runtime.policy
        )
    return started.object.id
