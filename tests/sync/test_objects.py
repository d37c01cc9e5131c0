"""A shipment's digital objects travel with it, content-addressed, and only once."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import select

from exchange.identity.identity import SYSTEM
from exchange.objects import fixity
from exchange.objects.models import DigitalObject
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments.models import ShipmentMode
from tests.cli_runner import invoke
from tests.conftest import World
from tests.shipments.scene import draft, make_scene
from tests.sync.pair import cli_ok, peer, second_instance


def payload_of(bundle: Path) -> list[str]:
    with tarfile.open(bundle) as archive:
        names = [m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()]
    return sorted(n for n in names if n.startswith("data/"))


async def test_object_bytes_travel_once_and_are_stored_at_the_partner_instance(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    shipment = await draft(runtime, scene, scene.national, ShipmentMode.DIGITAL)
    async with runtime.db.read() as session:
        obj = (
            await session.exec(
                select(DigitalObject).where(DigitalObject.shipment_id == shipment.id)
            )
        ).one()
    data = b"chapter one\n" * 1000
    assert obj.sha256 == hashlib.sha256(data).hexdigest()
    partner = second_instance(tmp_path, sqlite_template, "partner")
    pair = await peer(settings, partner, tmp_path, [world.national])

    first = tmp_path / "1.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(first))
    assert payload_of(first) == ["data/changes.jsonl", f"data/objects/{obj.sha256}"]
    # lost on the way: unacknowledged, the next bundle carries the bytes again
    again = tmp_path / "again.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(again))
    assert payload_of(again) == ["data/changes.jsonl", f"data/objects/{obj.sha256}"]

    await cli_ok(partner, "sync", "import", str(again))
    remote = Runtime.start(partner)
    try:
        digest = await remote.storage.digest(obj.storage_key)
    finally:
        await remote.close()
    assert (digest.size, digest.sha256) == (len(data), obj.sha256)

    back = tmp_path / "back.tar.gz"
    await cli_ok(partner, "sync", "export", "--peer", str(pair.hub_id), str(back))
    await cli_ok(settings, "sync", "import", str(back))
    # the object's record changes (its first fixity result); the partner holds its bytes
    async with runtime.db.unit_of_work() as uow:
        await uow.session.execute(sa.text("UPDATE digital_object SET fixity_status = NULL"))
    report = await fixity.check(
        SYSTEM, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )
    assert report.ok == 1
    second = tmp_path / "2.tar.gz"
    out = await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(second))
    assert ": 1 changes, " in out
    assert payload_of(second) == ["data/changes.jsonl"]
    assert "applied 1 changes" in await cli_ok(partner, "sync", "import", str(second))


async def test_an_object_without_its_bytes_is_refused_whole(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    await draft(runtime, scene, scene.national, ShipmentMode.DIGITAL)
    partner = second_instance(tmp_path, sqlite_template, "partner")
    pair = await peer(settings, partner, tmp_path, [world.national])
    # the partner acknowledged nothing, but the hub believes it holds the bytes already
    first = tmp_path / "1.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(first))
    async with runtime.db.unit_of_work() as uow:
        await uow.session.execute(sa.text("UPDATE sync_object_sent SET seq = 0"))
    second = tmp_path / "2.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(second))
    assert payload_of(second) == ["data/changes.jsonl"]
    result = await invoke(partner, "sync", "import", str(second))
    assert result.exit_code == 5
    assert "are neither in the bundle nor held here" in result.output
    remote = Runtime.start(partner)
    try:
        async with remote.db.read() as session:
            count = (await session.execute(sa.text("SELECT count(*) FROM shipment"))).scalar()
    finally:
        await remote.close()
    assert count == 0
