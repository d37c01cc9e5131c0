"""A shipment's BagIt bag (``exchange shipment import-bag``) as one path of offline sync.

Which path a bag takes depends on what this instance holds of its shipment:

- **nothing**: refused (``ShipmentNotHere``, naming ``exchange sync import``). A shipment
  reaches another instance only in a signed sync bundle from its owner, which carries its
  rows, its signed manifest, the sender's keys and its files; a bag alone cannot make one.
- **a replica** (the rows came in a bundle, the files did not — say the bundle was made
  before the files were attached, or they came on a separate disk): the bag's files are
  stored under their objects' keys, each proved against the SHA-256 the signed manifest
  states (``bag_check`` already re-hashed every byte against the bag, and storage checks
  again while writing). Files already held are left as they are. The receipt is not
  recorded here: the shipment is the owner's; ``exchange shipment receive`` countersigns it
  and sends it to the owner as a proposal. Nothing is stored unless every file of the
  bag belongs to the shipment's signed manifest and to an object known here.
- **owned here**: ``exchange.shipments.bag_import.import_bag`` (store the files, record the
  receipt).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from exchange.db.engine import Database
from exchange.errors import ValidationFailed
from exchange.identity.identity import Identity
from exchange.keys import jwks
from exchange.keys.custody import Custody
from exchange.manifests import signing, verify
from exchange.objects.models import DigitalObject
from exchange.policy import PolicyEngine
from exchange.shipments import bag, bag_check, bag_import, service
from exchange.shipments.errors import BagRejected
from exchange.shipments.models import Shipment
from exchange.storage.base import Storage
from exchange.sync import ownership
from exchange.sync.errors import ShipmentNotHere


@dataclass(frozen=True, slots=True)
class BagImported:
    """``owner`` is ``None`` when the shipment is owned here (the receipt was recorded);
    otherwise the bag filled a replica: ``stored`` files written, ``held`` already here."""

    shipment_id: uuid.UUID
    files: int
    octets: int
    stored: int
    held: int
    owner: uuid.UUID | None


async def import_bag(
    identity: Identity,
    directory: Path,
    *,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
    custody: Custody,
) -> BagImported:
    """Take in the bag in ``directory`` by the path its shipment calls for (module doc).

    Raises ``BagRejected`` (a bag incomplete, altered, not signed by known keys, or not
    matching the shipment's signed manifest), ``ShipmentNotHere``, ``NotFound`` /
    ``PermissionDenied`` (the shipment is not the identity's to see), and what storage
    raises (``IntegrityMismatch`` when bytes differ from the manifest)."""
    checked = await bag_check.check(directory)
    try:
        shipment_id = signing.signed_manifest(checked.signed_manifest).shipment_id
    except ValidationFailed as error:
        raise BagRejected(bag.SIGNED_MANIFEST, error.message) from None
    async with db.read() as session:
        if await session.get(Shipment, shipment_id) is None:
            raise ShipmentNotHere(shipment_id)
        owner = await ownership.owner(session, "shipment", str(shipment_id))
    octets = sum(p.size for p in checked.payload.values())
    if owner is None:
        report = await bag_import.import_bag(
            identity, directory, db=db, storage=storage, policy=policy, custody=custody,
            checked=checked,
        )  # fmt: skip
        return BagImported(report.shipment_id, report.files, report.octets, 0, 0, None)
    stored, held = await _fill_replica(identity, checked, shipment_id, db, storage, policy)
    return BagImported(shipment_id, len(checked.payload), octets, stored, held, owner)


async def _fill_replica(
    identity: Identity,
    checked: bag_check.CheckedBag,
    shipment_id: uuid.UUID,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
) -> tuple[int, int]:
    """Store the bag's files for the replica's objects; (stored, already held)."""
    document = checked.signed_manifest
    async with db.read() as session:
        shipment = await service.get(identity, shipment_id, session=session, policy=policy)
        ring = jwks.parse(await jwks.build(identity, session=session, policy=policy))
        try:
            manifest = verify.verify(document, ring).manifest
        except verify.SignatureInvalid as error:
            raise BagRejected(bag.SIGNED_MANIFEST, f"does not verify: {error.reason}") from None
        kept = service.signed_manifest(shipment)
        if kept is None or kept["payload"] != document["payload"]:
            raise BagRejected(bag.SIGNED_MANIFEST, "not the manifest this shipment was sent with")
        listed = {i.digital.object_id: i.digital for i in manifest.items if i.digital}
        todo: list[tuple[bag_check.CheckedFile, DigitalObject]] = []
        for path, found in sorted(checked.payload.items()):
            object_id = path.split("/")[1] if path.count("/") == 2 else ""
            expected = listed.get(object_id)
            if expected is None or (expected.size, expected.sha256) != (found.size, found.sha256):
                raise BagRejected(path, "not a file of the signed manifest")
            row = await session.get(DigitalObject, uuid.UUID(object_id))
            if row is None or row.shipment_id != shipment_id or row.sha256 != found.sha256:
                raise BagRejected(
                    path,
                    "its object is not known here: import the sending instance's sync bundle"
                    " first (exchange sync import BUNDLE)",
                )
            todo.append((found, row))
    stored = 0
    for found, row in todo:
        present = await storage.stat(row.storage_key)
        if present is not None and present.size == found.size:
            continue
        # the SHA-256 of the signed manifest, checked again by storage while it writes
        await storage.put(
            row.storage_key,
            bag.read(found.disk),
            expected_size=found.size,
            expected_sha256=found.sha256,
        )
        stored += 1
    return stored, len(todo) - stored
