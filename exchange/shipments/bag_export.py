"""Disk transfer out: a dispatched digital shipment written as a BagIt bag (RFC 8493).

``export_bag`` copies every file of the shipment from storage into the bag by the fastest
path the storage has (in the kernel for local storage, a streamed download for S3) and
writes ``manifest-sha256.txt`` from the SHA-256 the signed manifest states. Those hashes
were proved against the stored bytes at upload and are re-proved by fixity checks; an
object whose last fixity check failed is refused (``FixityFailed``), and every copy must
have the size the manifest states. ``verify=True`` (``export-bag --verify``) re-hashes
every byte in the same single pass that copies it and refuses a file whose hash differs.
The receiver loses nothing either way: ``bag_import`` proves what arrives.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio
from anyio import to_thread
from sqlmodel import col, select

from exchange.db.engine import Database
from exchange.errors import Conflict
from exchange.identity.identity import Identity
from exchange.identity.models import Account
from exchange.keys import jwks
from exchange.manifests import signing
from exchange.messages import N_
from exchange.objects.models import DigitalObject, FixityStatus
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.shipments import bag, service
from exchange.shipments.bag import BagReport
from exchange.shipments.errors import FixityFailed
from exchange.shipments.models import ShipmentItem, ShipmentMode
from exchange.storage.base import Storage

PARALLEL_COPIES = 4  # files copied into a bag at once (the kernel copies; I/O-bound)
PARALLEL_HASHING = max(1, os.cpu_count() or 1)  # with verify: hashing is CPU-bound


FAILED_FIXITY = {FixityStatus.CHANGED.value, FixityStatus.MISSING.value}


@dataclass(frozen=True, slots=True)
class Contact:
    """The sender's contact person for this bag (bag-info ``Contact-Name`` and
    ``Contact-Email``, RFC 8493 section 2.2.2)."""

    name: str | None = None
    email: str | None = None


async def export_bag(
    identity: Identity,
    shipment_id: uuid.UUID,
    directory: Path,
    *,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
    verify: bool = False,
    contact: Contact | None = None,
) -> BagReport:
    """Write the bag of a dispatched digital shipment into ``directory`` (empty or new);
    with ``verify`` every byte is hashed again while it is copied. ``contact`` defaults
    to the acting account's name and e-mail (none for the system)."""
    async with db.read() as session:
        shipment = await service.get(identity, shipment_id, session=session, policy=policy)
        document = service.signed_manifest(shipment)
        if shipment.mode != ShipmentMode.DIGITAL.value or document is None:
            raise Conflict("only a dispatched digital shipment has a bag", shipment.id)
        keys = await jwks.build(identity, session=session, policy=policy)
        sender = await session.get(Partner, shipment.sender_id)
        receiver = await session.get(Partner, shipment.receiver_id)
        account = await session.get(Account, identity.account_id) if identity.account_id else None
        rows = (
            await session.exec(
                select(DigitalObject)
                .join(ShipmentItem, col(ShipmentItem.object_id) == col(DigitalObject.id))
                .where(ShipmentItem.shipment_id == shipment.id)
                .order_by(col(ShipmentItem.id))
            )
        ).all()
    listed = {
        item.digital.object_id: item.digital
        for item in signing.signed_manifest(document).items
        if item.digital is not None
    }
    for obj in rows:
        if obj.fixity_status in FAILED_FIXITY:
            raise FixityFailed(obj.id, obj.filename, str(obj.fixity_status))
        expected = listed.get(str(obj.id))
        if expected is None or (obj.size, obj.sha256) != (expected.size, expected.sha256):
            raise Conflict(
                N_("object {id} is not as the signed manifest lists it", id=obj.id), obj.id
            )
    for object_id in set(listed) - {str(obj.id) for obj in rows}:
        raise Conflict(
            N_(
                "object {object_id} of the signed manifest is no longer attached",
                object_id=object_id,
            )
        )
    writer = bag.BagWriter(directory)
    limiter = anyio.CapacityLimiter(PARALLEL_HASHING if verify else PARALLEL_COPIES)

    async def copy(obj: DigitalObject) -> None:
        async with limiter:
            expected = listed[str(obj.id)]
            path = bag.payload_path(str(obj.id), obj.filename)
            copied = await storage.copy_to(
                obj.storage_key, await writer.target(path), digest=verify
            )
            if copied.size != expected.size or (verify and copied.sha256 != expected.sha256):
                raise Conflict(
                    N_("stored object {id} no longer matches the manifest", id=obj.id), obj.id
                )
            writer.record(bag.PayloadFile(path, expected.size, expected.sha256))

    try:
        async with anyio.create_task_group() as group:
            for obj in rows:
                group.start_soon(copy, obj)
    except BaseException as failed:
        # the directory was empty or new: leave it so, not holding half a bag
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(shutil.rmtree, directory / "data", True)
        if isinstance(failed, ExceptionGroup):  # callers expect the domain error
            raise failed.exceptions[0] from None
        raise
    assert sender is not None  # foreign keys
    assert receiver is not None
    contact = contact or Contact(
        account.display_name if account else None, account.email if account else None
    )
    # bag-info fields as RFC 8493 section 2.2.2 means them: the sender's organization and
    # contact person, the shipment as the external identifier
    info = {"Source-Organization": sender.preferred_name}
    if contact.name:
        info["Contact-Name"] = contact.name
    if contact.email:
        info["Contact-Email"] = contact.email
    info["External-Identifier"] = str(shipment.id)
    info["External-Description"] = (
        f"Scholarly Exchange shipment {shipment.id} from {sender.preferred_name} "
        f"to {receiver.preferred_name}"
    )
    # Other labels are allowed (section 2.2.2); these name both parties with their ids.
    info["Sender-Partner-Id"] = str(shipment.sender_id)
    info["Receiver-Organization"] = receiver.preferred_name
    info["Receiver-Partner-Id"] = str(shipment.receiver_id)
    await writer.finish(document, keys, info)
    return BagReport(shipment.id, len(writer.payload), sum(p.size for p in writer.payload))
