"""Disk transfer: a digital shipment exported as a BagIt bag and imported, and bags that
are refused (altered, missing or extra file) leaving nothing changed."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import bagit
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from exchange import clock
from exchange.audit import chain
from exchange.identity.identity import SYSTEM
from exchange.keys import jwks
from exchange.manifests.verify import verify
from exchange.objects import fixity
from exchange.objects.models import DigitalObject, FixityCheck
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import bag, bag_check, bag_export, transitions
from exchange.shipments import service as shipments
from exchange.shipments.errors import FixityFailed
from exchange.shipments.models import Shipment, ShipmentItem, ShipmentMode
from exchange.shipments.workflow import Action
from exchange.storage.local import LocalStorage
from tests.cli_runner import invoke
from tests.conftest import World
from tests.shipments.scene import Scene, draft, make_scene

CONTENT = b"chapter one\n" * 1000


async def dispatched(runtime: Runtime, world: World) -> tuple[Scene, Shipment]:
    scene = await make_scene(runtime, world)
    shipment = await draft(runtime, scene, scene.campus, ShipmentMode.DIGITAL)
    custody = scene.custody(runtime)
    async with runtime.db.unit_of_work() as uow:
        await transitions.act(
            scene.sender, shipment.id, Action.PACK, uow=uow, policy=runtime.policy
        )
        await transitions.dispatch(
            scene.sender, shipment.id, uow=uow, policy=runtime.policy, custody=custody
        )
    return scene, shipment


def assert_bagit_py_validates(target: Path) -> None:
    """The Library of Congress validator (bagit.py) accepts the bag: every file and every
    checksum, the tag manifest included."""
    made = bagit.Bag(str(target))
    made.validate(processes=1)
    assert made.is_valid()


async def export(settings: Settings, shipment: Shipment, target: Path, *flags: str) -> None:
    result = await invoke(settings, "shipment", "export-bag", *flags, str(shipment.id), str(target))
    assert result.exit_code == 0, result.output
    assert_bagit_py_validates(target)


async def state(runtime: Runtime, shipment_id: uuid.UUID) -> tuple[Any, ...]:
    async with runtime.db.read() as session:
        row = await session.get(Shipment, shipment_id)
        assert row is not None
        objects = (await session.exec(select(DigitalObject.id))).all()
        head = await chain.head(session)
    return row.state, row.manifest, sorted(objects), head.seq if head else 0


async def test_a_bag_holds_the_files_their_checksums_and_what_verifies_them_offline(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    scene, shipment = await dispatched(runtime, world)
    target = tmp_path / "bag"
    await export(settings, shipment, target)

    names = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    [payload] = [n for n in names if n.startswith("data/")]
    assert names == sorted(
        [payload, "bagit.txt", "bag-info.txt", "jwks.json", "manifest-sha256.txt",
         "signed-manifest.json", "tagmanifest-sha256.txt"]
    )  # fmt: skip
    assert (target / payload).read_bytes() == CONTENT
    assert (target / "bagit.txt").read_text() == bag.BAGIT_TEXT
    info = (target / "bag-info.txt").read_text()
    assert info == (
        "Source-Organization: Open Shelves Foundation\n"
        f"External-Identifier: {shipment.id}\n"
        f"External-Description: Scholarly Exchange shipment {shipment.id} from Open Shelves "
        "Foundation to Riverside University Library\n"
        f"Sender-Partner-Id: {world.donor}\n"
        "Receiver-Organization: Riverside University Library\n"
        f"Receiver-Partner-Id: {scene.campus}\n"
        f"Bagging-Date: {clock.now().date().isoformat()}\n"
        f"Payload-Oxum: {len(CONTENT)}.1\n"
        "Bag-Software-Agent: Scholarly Exchange\n"
    )
    document = json.loads((target / "signed-manifest.json").read_text())
    checked = verify(document, jwks.parse(json.loads((target / "jwks.json").read_text())))
    [item] = checked.manifest.items
    assert item.digital is not None
    assert f"{item.digital.sha256}  {payload}\n" == (target / "manifest-sha256.txt").read_text()
    assert (await bag_check.check(target)).payload[payload].size == len(CONTENT)


async def test_bag_info_names_the_sender_and_its_contact_person_as_rfc_8493_means_them(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    _scene, shipment = await dispatched(runtime, world)
    target = tmp_path / "bag"
    await export(
        settings, shipment, target, "--contact-name", "Amina Diallo",
        "--contact-email", "amina@shelves.example",
    )  # fmt: skip

    info = bagit.Bag(str(target)).info  # as bagit.py reads it
    assert {k: v for k, v in info.items() if k != "Bagging-Date"} == {
        "Source-Organization": "Open Shelves Foundation",
        "Contact-Name": "Amina Diallo",
        "Contact-Email": "amina@shelves.example",
        "External-Identifier": str(shipment.id),
        "External-Description": f"Scholarly Exchange shipment {shipment.id} from Open Shelves "
        "Foundation to Riverside University Library",
        "Sender-Partner-Id": str(shipment.sender_id),
        "Receiver-Organization": "Riverside University Library",
        "Receiver-Partner-Id": str(shipment.receiver_id),
        "Payload-Oxum": f"{len(CONTENT)}.1",
        "Bag-Software-Agent": "Scholarly Exchange",
    }


async def test_importing_the_bag_records_the_receipt_countersigned_by_the_receiver(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    scene, shipment = await dispatched(runtime, world)
    target = tmp_path / "bag"
    await export(settings, shipment, target)

    result = await invoke(settings, "shipment", "import-bag", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{shipment.id}\treceived\t1 files\t{len(CONTENT)} bytes"
    async with runtime.db.read() as session:
        row = await session.get(Shipment, shipment.id)
        assert row is not None
        assert row.manifest is not None
        ring = jwks.parse(await jwks.build(SYSTEM, session=session, policy=runtime.policy))
        events = (await shipments.events_of([shipment.id], session=session))[shipment.id]
    assert row.state == "received"
    assert [e.action for e in events][-2:] == ["mark_delivered", "receive"]
    checked = verify(json.loads(row.manifest), ring)
    assert checked.receiver is not None
    assert checked.receiver.partner_id == scene.campus


async def test_a_receiving_instance_stores_the_files_it_did_not_have(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    scene, shipment = await dispatched(runtime, world)
    target = tmp_path / "bag"
    await export(settings, shipment, target)
    async with runtime.db.unit_of_work() as uow:  # the files never reached this instance
        obj = (
            await uow.session.exec(
                select(DigitalObject).where(DigitalObject.shipment_id == shipment.id)
            )
        ).one()
        await uow.session.exec(sa.update(ShipmentItem).values(object_id=None))
        await uow.session.exec(sa.delete(FixityCheck).where(col(FixityCheck.object_id) == obj.id))
        await uow.session.delete(obj)
    await runtime.storage.delete(obj.storage_key)

    result = await invoke(settings, "shipment", "import-bag", str(target))
    assert result.exit_code == 0, result.output
    async with runtime.db.read() as session:
        stored = await session.get(DigitalObject, obj.id)
    assert stored is not None
    assert (stored.owner_partner_id, stored.shipment_id, stored.size, stored.sha256) == (
        scene.campus,
        shipment.id,
        len(CONTENT),
        obj.sha256,
    )
    assert (await runtime.storage.digest(stored.storage_key)).sha256 == obj.sha256


def alter(target: Path, payload: str) -> str:
    data = bytearray((target / payload).read_bytes())
    data[10] ^= 1
    (target / payload).write_bytes(bytes(data))
    return payload


def remove(target: Path, payload: str) -> str:
    (target / payload).unlink()
    return payload


def add(target: Path, _payload: str) -> str:
    (target / "data" / "notes.txt").write_text("not in the manifest")
    return "data/notes.txt"


def resign(target: Path, _payload: str) -> str:
    manifest = target / "signed-manifest.json"
    manifest.write_text(manifest.read_text().replace('"signatures"', '"signatures" '))
    return "signed-manifest.json"


@pytest.mark.parametrize("tamper", [alter, remove, add, resign])
async def test_a_tampered_bag_is_refused_naming_the_file_and_nothing_is_stored(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, tamper: Any
) -> None:
    _scene, shipment = await dispatched(runtime, world)
    target = tmp_path / "bag"
    await export(settings, shipment, target)
    pristine = tmp_path / "pristine"
    shutil.copytree(target, pristine)
    [payload] = [p.relative_to(target).as_posix() for p in (target / "data").rglob("*.txt")]
    named = tamper(target, payload)
    before = await state(runtime, shipment.id)

    result = await invoke(settings, "shipment", "import-bag", str(target))
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert await state(runtime, shipment.id) == before
    again = await invoke(settings, "shipment", "import-bag", str(pristine))
    assert again.exit_code == 0, again.output


async def test_a_verified_export_writes_the_same_bag(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    _scene, shipment = await dispatched(runtime, world)
    fast, verified = tmp_path / "fast", tmp_path / "verified"
    await export(settings, shipment, fast)
    await export(settings, shipment, verified, "--verify")

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and p.name not in ("bag-info.txt", "tagmanifest-sha256.txt")
        }

    assert files(fast) == files(verified)

    def sizes(checked: bag_check.CheckedBag) -> dict[str, tuple[int, str]]:
        return {path: (f.size, f.sha256) for path, f in checked.payload.items()}

    assert sizes(await bag_check.check(verified)) == sizes(await bag_check.check(fast))


async def stored_object(runtime: Runtime, shipment: Shipment) -> DigitalObject:
    async with runtime.db.read() as session:
        return (
            await session.exec(
                select(DigitalObject).where(DigitalObject.shipment_id == shipment.id)
            )
        ).one()


async def spoil(runtime: Runtime, obj: DigitalObject) -> None:
    """Change the stored bytes behind the service's back (same size, other content)."""
    assert isinstance(runtime.storage, LocalStorage)
    path = runtime.storage.root / obj.storage_key
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))


async def test_an_object_whose_last_fixity_check_failed_is_not_exported(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    _scene, shipment = await dispatched(runtime, world)
    obj = await stored_object(runtime, shipment)
    await spoil(runtime, obj)
    report = await fixity.check(
        SYSTEM, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )
    assert report.changed == [obj.id]

    for flags in ([], ["--verify"]):
        target = tmp_path / f"bag{len(flags)}"
        result = await invoke(
            settings, "shipment", "export-bag", *flags, str(shipment.id), str(target)
        )
        assert result.exit_code == 5, result.output
        assert f"object {obj.id} ({obj.filename}) failed its last fixity check (changed)" in (
            result.output
        )
        assert not target.exists() or not any(target.rglob("*"))
    with pytest.raises(FixityFailed) as refused:
        await bag_export.export_bag(
            SYSTEM, shipment.id, tmp_path / "direct", db=runtime.db, storage=runtime.storage,
            policy=runtime.policy,
        )  # fmt: skip
    assert (refused.value.object_id, refused.value.status) == (str(obj.id), "changed")


async def test_bytes_changed_since_the_last_fixity_check_are_caught_by_verify_or_the_importer(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    _scene, shipment = await dispatched(runtime, world)
    obj = await stored_object(runtime, shipment)
    await spoil(runtime, obj)  # no fixity check has run since

    checked = tmp_path / "checked"
    result = await invoke(
        settings, "shipment", "export-bag", "--verify", str(shipment.id), str(checked)
    )
    assert result.exit_code == 5, result.output
    assert f"stored object {obj.id} no longer matches the manifest" in result.output
    assert not any(checked.rglob("*"))  # no half bag left behind

    fast = tmp_path / "fast"  # the fast export vouches for the recorded hash ...
    result = await invoke(settings, "shipment", "export-bag", str(shipment.id), str(fast))
    assert result.exit_code == 0, result.output
    assert not bagit.Bag(str(fast)).is_valid()  # bagit.py finds out too
    result = await invoke(settings, "shipment", "import-bag", str(fast))
    assert result.exit_code == 2, result.output  # ... and the receiver still finds out
    assert f"data/{obj.id}/" in result.output
    assert "altered" in result.output
