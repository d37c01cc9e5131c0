"""``shipment import-bag`` as one path of sync: at an instance holding the shipment as a
replica without its files, the bag's bytes are stored (proved against the signed
manifest's SHA-256) or refused with nothing stored; at an instance that knows nothing of
the shipment, the bag is refused, pointing at ``exchange sync import``."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import select

from exchange.objects.models import DigitalObject
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments.models import Shipment
from tests.cli_runner import invoke
from tests.conftest import World
from tests.shipments.test_bag import CONTENT, dispatched, export
from tests.sync.pair import Pair, cli_ok, peer, second_instance


async def replica_without_files(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, template: Path
) -> tuple[Pair, uuid.UUID, DigitalObject]:
    """The campus's own instance holds the dispatched shipment's rows; its copy of the
    file is gone (a bundle's bytes lost on the way to storage, a disk that failed)."""
    scene, shipment = await dispatched(runtime, world)
    pair = await peer(
        settings, second_instance(tmp_path, template, "campus"), tmp_path, [str(scene.campus)]
    )
    disk = tmp_path / "rows.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(disk))
    await cli_ok(pair.partner, "sync", "import", str(disk))
    async with runtime.db.read() as session:
        obj = (
            await session.exec(
                select(DigitalObject).where(DigitalObject.shipment_id == shipment.id)
            )
        ).one()
    remote = Runtime.start(pair.partner)
    try:
        await remote.storage.delete(obj.storage_key)
        assert await remote.storage.stat(obj.storage_key) is None
    finally:
        await remote.close()
    return pair, shipment.id, obj


async def test_a_bag_fills_a_replica_with_its_verified_bytes(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    pair, shipment_id, obj = await replica_without_files(
        settings, runtime, world, tmp_path, sqlite_template
    )
    bag_dir = tmp_path / "bag"
    await export(settings, await _shipment(runtime, shipment_id), bag_dir)

    result = await invoke(pair.partner, "shipment", "import-bag", str(bag_dir))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{shipment_id}\tstored\t1 files\t0 already held\t{len(CONTENT)} bytes",
        f"the shipment is owned by instance {pair.hub_id}: confirm receipt with "
        f"`exchange shipment receive {shipment_id}` (it travels there as a proposal)",
    ]
    remote = Runtime.start(pair.partner)
    try:
        digest = await remote.storage.digest(obj.storage_key)
        async with remote.db.read() as session:
            replica = await session.get(Shipment, shipment_id)
    finally:
        await remote.close()
    assert (digest.size, digest.sha256) == (len(CONTENT), hashlib.sha256(CONTENT).hexdigest())
    assert replica is not None
    assert replica.state == "dispatched"  # the receipt is the owner's to record

    again = await invoke(pair.partner, "shipment", "import-bag", str(bag_dir))
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == (
        f"{shipment_id}\tstored\t0 files\t1 already held\t{len(CONTENT)} bytes"
    )


async def test_a_bag_whose_bytes_differ_from_the_signed_manifest_stores_nothing(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    pair, shipment_id, obj = await replica_without_files(
        settings, runtime, world, tmp_path, sqlite_template
    )
    bag_dir = tmp_path / "bag"
    await export(settings, await _shipment(runtime, shipment_id), bag_dir)
    # the file and the bag's own checksum both rewritten: the bag is consistent, the
    # signed manifest is not
    payload = next((bag_dir / "data").rglob("*.*"))
    other = b"chapter two\n" * 1000
    payload.write_bytes(other)
    manifest = bag_dir / "manifest-sha256.txt"
    manifest.write_text(
        manifest.read_text("utf-8").replace(
            hashlib.sha256(CONTENT).hexdigest(), hashlib.sha256(other).hexdigest()
        ),
        "utf-8",
    )
    tags = bag_dir / "tagmanifest-sha256.txt"
    tags.write_text(
        "".join(
            f"{hashlib.sha256((bag_dir / name).read_bytes()).hexdigest()}  {name}\n"
            for name in [line.split("  ", 1)[1] for line in tags.read_text("utf-8").splitlines()]
        ),
        "utf-8",
    )
    result = await invoke(pair.partner, "shipment", "import-bag", str(bag_dir))
    assert result.exit_code == 2, result.output
    assert "not a file of the signed manifest" in result.output
    assert "stored" not in result.output
    remote = Runtime.start(pair.partner)
    try:
        assert await remote.storage.stat(obj.storage_key) is None
    finally:
        await remote.close()


async def test_a_bag_at_an_instance_that_knows_nothing_of_the_shipment_points_at_sync_import(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    _scene, shipment = await dispatched(runtime, world)
    bag_dir = tmp_path / "bag"
    await export(settings, shipment, bag_dir)
    stranger = second_instance(tmp_path, sqlite_template, "stranger")
    result = await invoke(stranger, "shipment", "import-bag", str(bag_dir))
    assert result.exit_code == 3, result.output
    assert result.output.strip() == (
        f"error: shipment {shipment.id} is not known at this instance: a bag alone cannot"
        " bring it; import the sending instance's sync bundle first (exchange sync import"
        " BUNDLE), which carries the shipment, its signed manifest and its files"
    )
    remote = Runtime.start(stranger)
    try:
        async with remote.db.read() as session:
            counts = [
                (await session.execute(sa.text(f"SELECT count(*) FROM {name}"))).scalar()
                for name in ("shipment", "digital_object", "audit_event")
            ]
    finally:
        await remote.close()
    assert counts == [0, 0, 0]


async def _shipment(runtime: Runtime, shipment_id: uuid.UUID) -> Shipment:
    async with runtime.db.read() as session:
        found = await session.get(Shipment, shipment_id)
    assert found is not None
    return found
