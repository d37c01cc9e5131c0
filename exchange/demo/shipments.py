"""Demo shipments in several states, one received with a discrepancy.

Manifests are signed with custodial keys. When no key-encryption key is configured, the
demo makes one and keeps it in ``<data dir>/key-encryption.key`` (base64, mode 0600); the
server needs it too (``EXCHANGE_KEY_ENCRYPTION_KEY=$(cat data/key-encryption.key)``) to
sign further dispatches and receipts.
"""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

from sqlmodel import col, select

from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation, AllocationState
from exchange.identity.identity import SYSTEM, Identity
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.manifests import signing
from exchange.manifests.statement import Discrepancy
from exchange.offers.models import Offer, OfferLine
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import service as shipments
from exchange.shipments import transitions
from exchange.shipments.models import ShipmentMode
from exchange.shipments.workflow import Action

KEY_FILE = "key-encryption.key"


def custody(settings: Settings) -> Custody:
    """The configured key-encryption key, or the demo's own in the data directory."""
    configured = settings.key_encryption_key_bytes
    if configured is not None:
        return Custody(configured)
    path: Path = settings.data_dir / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(os.urandom(32)).decode("ascii") + "\n")
    return Custody(base64.b64decode(path.read_text("ascii").strip()))


async def _lines(runtime: Runtime, partner: uuid.UUID) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The partner's offer lines and request lines, oldest first."""
    async with runtime.db.read() as session:
        offered = await session.exec(
            select(OfferLine.id)
            .join(Offer, col(Offer.id) == col(OfferLine.offer_id))
            .where(Offer.partner_id == partner)
            .order_by(col(OfferLine.id))
        )
        requested = await session.exec(
            select(RequestLine.id)
            .join(ResourceRequest, col(ResourceRequest.id) == col(RequestLine.request_id))
            .where(ResourceRequest.partner_id == partner)
            .order_by(col(RequestLine.id))
        )
        return list(offered.all()), list(requested.all())


async def load(
    runtime: Runtime, partners: dict[str, uuid.UUID], people: dict[str, Identity]
) -> int:
    """Five shipments: received with a discrepancy, received, in transit, held for
    approval, and a draft. Returns how many were made."""
    policy, sealer = runtime.policy, custody(runtime.settings)
    foundation, _ = await _lines(runtime, partners["foundation"])
    publisher, _ = await _lines(runtime, partners["publisher"])
    _, kisu = await _lines(runtime, partners["kisu"])
    _, national = await _lines(runtime, partners["national"])
    async with runtime.db.unit_of_work() as uow:
        for key in ("foundation", "publisher", "kisu", "national"):
            await keys.create_custodial(
                SYSTEM, partners[key], uow=uow, policy=policy, custody=sealer
            )
        existing = (
            await uow.session.exec(
                select(Allocation.id)
                .where(Allocation.state == AllocationState.ACTIVE.value)
                .order_by(col(Allocation.id))
            )
        ).first()
        coordinator = people["coordinator"]
        made = []
        for offer_line, request_line, quantity in (
            (foundation[1], kisu[1], 5),  # physics, for kisu's described need
            (publisher[1], national[0], 2),  # the dictionary
            (publisher[1], national[0], 1),
            (publisher[0], kisu[0], 5),  # algebra
        ):
            allocation = await allocations.allocate(
                coordinator, offer_line, request_line, quantity, uow=uow, policy=policy
            )
            made.append(allocation.id)
    plans = [
        ("foundation", existing, "kisu", 9),
        ("foundation", made[0], "kisu", None),
        ("publisher", made[1], "national", 2),
        ("publisher", made[2], "national", 0),
        ("publisher", made[3], "kisu", -1),
    ]
    count = 0
    for sender, allocation_id, receiver, received in plans:
        if allocation_id is None:
            continue
        await _ship(runtime, people, sender, allocation_id, receiver, received, sealer)
        count += 1
    return count


async def _ship(
    runtime: Runtime,
    people: dict[str, Identity],
    sender: str,
    allocation_id: uuid.UUID,
    receiver: str,
    received: int | None,
    sealer: Custody,
) -> None:
    """``received``: how many copies arrived (the shipment is received), None (left in
    transit), 0 (left awaiting approval) or -1 (left a draft)."""
    policy, librarian, coordinator = runtime.policy, people[sender], people["coordinator"]
    async with runtime.db.unit_of_work() as uow:
        boxed = transitions.EventDetails(note="Boxed at the donor's warehouse.")
        shipment = await transitions.create(
            librarian, [allocation_id], ShipmentMode.PHYSICAL, boxed, uow=uow, policy=policy
        )
        if received == -1:
            return
        await transitions.act(librarian, shipment.id, Action.PACK, uow=uow, policy=policy)
        if received == 0:
            return
        await transitions.act(
            coordinator, shipment.id, Action.APPROVE,
            transitions.EventDetails(note="Checked against the partnership agreement."),
            uow=uow, policy=policy,
        )  # fmt: skip
        await transitions.dispatch(
            librarian, shipment.id,
            transitions.EventDetails("Leipzig", None, "RR123456785DE", "Deutsche Post"),
            uow=uow, policy=policy, custody=sealer,
        )  # fmt: skip
        await transitions.act(
            librarian, shipment.id, Action.MARK_IN_TRANSIT,
            transitions.EventDetails("Beijing", "Handed to the onward carrier."),
            uow=uow, policy=policy,
        )  # fmt: skip
        if received is None:
            return
        await transitions.act(
            people[receiver], shipment.id, Action.MARK_DELIVERED,
            transitions.EventDetails("Pyongyang"), uow=uow, policy=policy,
        )  # fmt: skip
        items = (await shipments.items_of([shipment.id], session=uow.session))[shipment.id]
        work = signing.signed_manifest(shipments.signed_manifest(shipment) or {}).items[0].work_id
        missing = [
            Discrepancy(work, items[0].quantity, received, "One copy arrived water-damaged.")
        ] if received < items[0].quantity else []  # fmt: skip
        await transitions.receive(
            people[receiver], shipment.id, missing, transitions.EventDetails("Pyongyang"),
            uow=uow, policy=policy, custody=sealer,
        )  # fmt: skip
