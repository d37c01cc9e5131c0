"""Disk transfer in: a BagIt bag (RFC 8493) of a digital shipment taken in.

``import_bag`` proves the bag complete and unaltered (``bag_check.check``), verifies the
signed manifest against the keys this instance publishes, matches every payload file to a
manifest item, and only then stores the files and records the receipt (the receiver
countersigns). A rejected bag leaves nothing behind: no object, no event, no stored byte.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.engine import Database
from exchange.identity.identity import Identity
from exchange.keys import jwks
from exchange.keys.custody import Custody
from exchange.manifests import verify
from exchange.objects import access
from exchange.objects.drafts import storage_key
from exchange.objects.models import DigitalObject, FixityStatus, ObjectState
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.shipments import bag, bag_check, service, transitions
from exchange.shipments.bag import BagReport
from exchange.shipments.errors import BagRejected
from exchange.shipments.models import ShipmentState
from exchange.shipments.workflow import Action
from exchange.storage.base import Storage


async def import_bag(
    identity: Identity,
    directory: Path,
    *,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
    custody: Custody,
    checked: bag_check.CheckedBag | None = None,
) -> BagReport:
    """Check the bag (unless ``checked`` already) and its signatures, store its files and
    record the receipt (a shipment still on its way is marked delivered first)."""
    checked = checked or await bag_check.check(directory)
    document = checked.signed_manifest
    async with db.read() as session:
        ring = jwks.parse(await jwks.build(identity, session=session, policy=policy))
    try:
        verified = verify.verify(document, ring)
    except verify.SignatureInvalid as error:
        raise BagRejected(bag.SIGNED_MANIFEST, f"does not verify: {error.reason}") from None
    manifest = verified.manifest
    by_object = {i.digital.object_id: i.digital for i in manifest.items if i.digital is not None}
    for path, found in checked.payload.items():
        object_id = _object_id(path)
        expected = by_object.pop(object_id, None)  # the signed manifest states SHA-256
        if expected is None or (expected.size, expected.sha256) != (found.size, found.sha256):
            raise BagRejected(path, "not a file of the signed manifest")
    for object_id in by_object:
        raise BagRejected(f"data/{object_id}", "missing: listed in the signed manifest")

    async with db.read() as session:
        shipment = await service.get(identity, manifest.shipment_id, session=session, policy=policy)
    stored = service.signed_manifest(shipment)
    if stored is None or stored["payload"] != document["payload"]:
        raise BagRejected(bag.SIGNED_MANIFEST, "not the manifest this shipment was sent with")

    written: list[str] = []
    try:
        async with db.unit_of_work() as uow:
            receiver = await uow.session.get(Partner, shipment.receiver_id)
            assert receiver is not None
            for path, found in sorted(checked.payload.items()):
                new_id = uuid.UUID(_object_id(path))
                existing = await uow.session.get(DigitalObject, new_id)
                if existing is not None:
                    if (existing.shipment_id, existing.size, existing.sha256) != (
                        shipment.id,
                        found.size,
                        found.sha256,
                    ):
                        raise BagRejected(path, "an object with this id holds other bytes")
                    continue  # this instance sent it: the bytes are already here
                obj = DigitalObject(
                    id=new_id,
                    filename=_filename(path),
                    size=found.size,
                    sha256=found.sha256,
                    declared_media_type="application/octet-stream",
                    media_type="application/octet-stream",
                    licence="LicenseRef-Shipment",
                    licence_open=False,
                    shipment_id=shipment.id,
                    owner_partner_id=receiver.id,
                    state=ObjectState.AVAILABLE.value,
                    storage_key=storage_key(new_id),
                    created_by=identity.label,
                    created_at=clock.now(),
                    completed_at=clock.now(),
                    fixity_status=FixityStatus.OK.value,
                    fixity_checked_at=clock.now(),
                )
                policy.require(
                    identity, "object.upload", access.resource(obj, receiver, clock.now().date())
                )
                written.append(obj.storage_key)
                await storage.put(
                    obj.storage_key,
                    bag.read(found.disk),
                    expected_size=found.size,
                    expected_sha256=found.sha256,
                )
                uow.session.add(obj)
                uow.record(
                    AuditRecord(
                        identity.label, "object.import", "digital_object", str(obj.id), None,
                        obj.snapshot(),
                    )
                )  # fmt: skip
            await uow.session.flush()
            if shipment.state in (ShipmentState.DISPATCHED.value, ShipmentState.IN_TRANSIT.value):
                await transitions.act(
                    identity,
                    shipment.id,
                    Action.MARK_DELIVERED,
                    transitions.EventDetails(note="delivered on disk"),
                    uow=uow,
                    policy=policy,
                )
            await transitions.receive(
                identity,
                shipment.id,
                (),
                transitions.EventDetails(note=f"received from the bag {directory.name}"),
                uow=uow,
                policy=policy,
                custody=custody,
            )
    except BaseException:
        for key in written:
            await storage.delete(key)
        raise
    return BagReport(
        shipment.id, len(checked.payload), sum(p.size for p in checked.payload.values())
    )


def _object_id(path: str) -> str:
    """The object id of a payload path ``data/<object id>/<filename>``."""
    parts = path.split("/")
    try:
        if len(parts) == 3 and str(uuid.UUID(parts[1])) == parts[1]:
            return parts[1]
    except ValueError:
        pass
    raise BagRejected(path, "payload files are data/<object id>/<filename>")


def _filename(path: str) -> str:
    """The stored filename of a payload path: its last segment, control characters (which
    a percent-encoded name may hold) replaced by "_"."""
    return "".join("_" if ord(c) < 32 or ord(c) == 127 else c for c in path.rsplit("/", 1)[-1])
