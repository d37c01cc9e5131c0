"""Bundles between a hub and a partner's offline instance, through the CLI."""

from __future__ import annotations

import io
import tarfile
import uuid
from pathlib import Path

import bagit
import sqlalchemy as sa

from exchange.allocations import service as allocations
from exchange.audit import chain
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.allocations.market import coordinator, make_market
from tests.cli_runner import invoke
from tests.conftest import World
from tests.sync.pair import Pair, cli_ok, peer, second_instance


async def _pair(settings: Settings, world: World, tmp_path: Path, sqlite_template: Path) -> Pair:
    partner = second_instance(tmp_path, sqlite_template, "partner")
    return await peer(settings, partner, tmp_path, [world.national])


async def _rows(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    rt = Runtime.start(settings)
    try:
        async with rt.db.read() as session:
            return [tuple(r) for r in (await session.execute(sa.text(sql))).all()]
    finally:
        await rt.close()


async def test_peers_list_shows_the_peer_and_the_partners_it_serves(
    settings: Settings, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    pair = await _pair(settings, world, tmp_path, sqlite_template)
    listed = await cli_ok(settings, "peers", "list")
    kid_line = listed.strip().split("\t")
    assert kid_line[0] == str(pair.partner_id)
    assert kid_line[1].startswith("instance:")
    assert kid_line[2] == world.national
    assert (await cli_ok(settings, "peers", "self")).strip() == str(pair.hub_id)


async def test_peers_add_refuses_a_jwks_without_an_instance_key(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"keys": []}', "utf-8")
    result = await invoke(settings, "peers", "add", "--id", str(uuid.uuid4()), "--jwks", str(bad))
    assert result.exit_code == 2
    assert "expected one instance key, found 0" in result.output
    assert (await cli_ok(settings, "peers", "list")) == ""


async def test_offer_and_allocation_reach_the_partner_instance_in_a_valid_signed_bag(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    market = await make_market(runtime, world, [5], [3])
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            2,
            uow=uow,
            policy=runtime.policy,
        )
    pair = await _pair(settings, world, tmp_path, sqlite_template)
    disk = tmp_path / "disk" / "b1.tar.gz"
    out = await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(disk))
    assert out.startswith("bundle ")
    assert " changes, " in out

    unpacked = tmp_path / "unpacked"
    with tarfile.open(disk) as archive:
        archive.extractall(unpacked, filter="data")
    bag = bagit.Bag(str(next(unpacked.iterdir())))
    bag.validate()  # the Library of Congress validator agrees it is a complete bag

    imported = await cli_ok(pair.partner, "sync", "import", str(disk))
    assert f"from {pair.hub_id}: applied" in imported
    lines = await _rows(pair.partner, "SELECT id, quantity, allocated FROM offer_line")
    assert [(str(i).replace("-", ""), q, a) for i, q, a in lines] == [
        (market.offer_lines[0].hex, 5, 2)
    ]
    again = await cli_ok(pair.partner, "sync", "import", str(disk))
    assert "already held" in again
    assert await _rows(pair.partner, "SELECT id, quantity, allocated FROM offer_line") == lines

    # the partner's acknowledgement travels back; the next hub bundle is then empty
    back = tmp_path / "disk" / "back.tar.gz"
    await cli_ok(pair.partner, "sync", "export", "--peer", str(pair.hub_id), str(back))
    await cli_ok(settings, "sync", "import", str(back))
    status = await cli_ok(settings, "sync", "status")
    assert "pending 0" in status
    empty = await cli_ok(
        settings, "sync", "export", "--peer", str(pair.partner_id), str(tmp_path / "e.tar.gz")
    )
    assert ": 0 changes, " in empty


async def test_altered_truncated_foreign_and_misaddressed_bundles_are_refused_whole(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    await make_market(runtime, world, [5], [3])
    pair = await _pair(settings, world, tmp_path, sqlite_template)
    disk = tmp_path / "b1.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(disk))
    data = disk.read_bytes()

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])

    altered = tmp_path / "altered.tar.gz"
    members = {}
    with tarfile.open(disk) as archive:
        for member in archive.getmembers():
            if member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                members[member.name] = handle.read()
    name = next(n for n in members if n.endswith("data/changes.jsonl"))
    members[name] = members[name].replace(b'"quantity":5', b'"quantity":50')
    with tarfile.open(altered, "w:gz") as archive:
        for member_name, content in members.items():
            info = tarfile.TarInfo(member_name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))

    # a third instance, registered nowhere as the hub, signs a bundle claiming the hub's id
    third = second_instance(tmp_path, sqlite_template, "third")
    await cli_ok(third, "peers", "self")
    await cli_ok(
        third, "peers", "add", "--id", str(pair.partner_id), "--jwks", str(tmp_path / "p.json")
    )
    foreign = tmp_path / "foreign.tar.gz"
    await cli_ok(third, "sync", "export", "--peer", str(pair.partner_id), str(foreign))

    # a bundle the hub addressed to the third instance, replayed at the partner
    await cli_ok(third, "peers", "self", "--jwks", str(tmp_path / "third.json"))
    third_id = (await cli_ok(third, "peers", "self")).strip()
    await cli_ok(settings, "peers", "add", "--id", third_id, "--jwks", str(tmp_path / "third.json"))
    misaddressed = tmp_path / "mis.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", third_id, str(misaddressed))

    expected = {
        truncated: "bundle refused: not a readable bundle archive",
        altered: "bundle refused: bag incomplete or altered",
        foreign: "is not a registered peer",
        misaddressed: f"bundle refused: addressed to instance {third_id}, not to {pair.partner_id}",
    }
    for path, reason in expected.items():
        result = await invoke(pair.partner, "sync", "import", str(path))
        assert result.exit_code == 5, result.output
        assert reason in result.output
        assert await _rows(pair.partner, "SELECT id FROM offer") == []
    refused = await _rows(pair.partner, "SELECT outcome FROM sync_bundle WHERE direction = 'in'")
    assert refused == [("refused",)] * 4
    status = await cli_ok(pair.partner, "sync", "status")
    assert "refused" in status
    assert "addressed to instance" in status

    # the genuine bundle still applies afterwards
    assert "applied" in await cli_ok(pair.partner, "sync", "import", str(disk))
    assert len(await _rows(pair.partner, "SELECT id FROM offer")) == 1


async def test_a_bundle_after_a_gap_names_the_missing_range_waits_and_applies_later(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    market = await make_market(runtime, world, [5], [3])
    pair = await _pair(settings, world, tmp_path, sqlite_template)
    first = tmp_path / "1.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(first))
    # the first bundle is overtaken: the second covers the same range (nothing was
    # acknowledged yet) and more
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            1,
            uow=uow,
            policy=runtime.policy,
        )
    second = tmp_path / "2.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(second))
    # the second overlaps the first (nothing acknowledged): applying it alone is enough
    assert "applied" in await cli_ok(pair.partner, "sync", "import", str(second))
    assert "already held" in await cli_ok(pair.partner, "sync", "import", str(first))
    lines = await _rows(pair.partner, "SELECT allocated FROM offer_line")
    assert lines == [(1,)]

    # now a real gap: the hub learns the partner's acknowledgement, changes twice, and the
    # partner receives the later of two bundles first
    back = tmp_path / "back.tar.gz"
    await cli_ok(pair.partner, "sync", "export", "--peer", str(pair.hub_id), str(back))
    await cli_ok(settings, "sync", "import", str(back))
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            1,
            uow=uow,
            policy=runtime.policy,
        )
    third = tmp_path / "3.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(third))
    async with runtime.db.read() as session:
        head3 = (await chain.verify(session)).head_seq
    # make the hub believe bundle 3 was acknowledged, so bundle 4 starts after it
    async with runtime.db.unit_of_work() as uow:
        await uow.session.execute(sa.text("UPDATE sync_peer_origin SET acked = :s"), {"s": head3})
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            1,
            uow=uow,
            policy=runtime.policy,
        )
    fourth = tmp_path / "4.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(fourth))
    result = await invoke(pair.partner, "sync", "import", str(fourth))
    assert result.exit_code == 5
    assert f"bundle waits: missing {pair.hub_id} seq " in result.output
    assert await _rows(pair.partner, "SELECT allocated FROM offer_line") == [(1,)]
    done = await cli_ok(pair.partner, "sync", "import", str(third))
    assert "applied" in done
    assert "waiting 4.tar.gz" in done
    assert await _rows(pair.partner, "SELECT allocated FROM offer_line") == [(3,)]
