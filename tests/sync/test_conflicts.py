"""The conflict rules of ``exchange.sync.conflicts``, one test per rule."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from exchange.allocations import service as allocations
from exchange.db.engine import Database
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.sync import conflicts, instance, proposals
from exchange.sync.models import SyncAnswer
from tests.allocations.market import coordinator, librarian, make_market
from tests.conftest import World
from tests.sync.pair import Pair, cli_ok, peer, second_instance


async def _exchange(pair: Pair, tmp_path: Path, name: str, *, to_partner: bool) -> str:
    source, target, peer_id = (
        (pair.hub, pair.partner, pair.partner_id)
        if to_partner
        else (pair.partner, pair.hub, pair.hub_id)
    )
    path = tmp_path / f"{name}.tar.gz"
    await cli_ok(source, "sync", "export", "--peer", str(peer_id), str(path))
    return await cli_ok(target, "sync", "import", str(path))


async def _scalars(settings: Settings, sql: str) -> list[Any]:
    rt = Runtime.start(settings)
    try:
        async with rt.db.read() as session:
            return list((await session.execute(sa.text(sql))).scalars().all())
    finally:
        await rt.close()


async def test_claims_on_a_line_owned_elsewhere_are_decided_by_its_owner_and_never_overallocate(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    market = await make_market(runtime, world, [5], [5])
    partner = second_instance(tmp_path, sqlite_template, "partner")
    pair = await peer(settings, partner, tmp_path, [world.national])
    await _exchange(pair, tmp_path, "replicas", to_partner=True)

    # partitioned: the hub's coordinator promises 4 of 5; the partner, seeing 5 free,
    # claims 3 and then 1 (each a proposal: the offer is the hub's)
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            4,
            uow=uow,
            policy=runtime.policy,
        )
    remote = Runtime.start(partner)
    try:
        claims = []
        for quantity in (3, 1):
            async with remote.db.unit_of_work() as uow:
                claims.append(
                    await proposals.claim(
                        librarian(world, "national"),
                        market.offer_lines[0],
                        market.request_lines[0],
                        quantity,
                        uow=uow,
                        policy=remote.policy,
                    )
                )
    finally:
        await remote.close()
    assert [(c.allocation_id, c.owner) for c in claims] == [(None, pair.hub_id)] * 2
    assert await _scalars(partner, "SELECT allocated FROM offer_line") == [0]

    await _exchange(pair, tmp_path, "claims", to_partner=False)
    async with runtime.db.read() as session:
        found = (await session.execute(sa.select(SyncAnswer))).scalars().all()
        answers = {a.proposal_id: a for a in found}
    first, second = (answers[c.proposal_id] for c in claims if c.proposal_id)
    assert (first.accepted, first.reason, first.allocation_id) == (
        False,
        "only 1 left on the offer line",
        None,
    )
    assert (second.accepted, second.reason) == (True, None)
    assert await _scalars(settings, "SELECT allocated FROM offer_line") == [5]

    # the answers and the accepted allocation travel back
    await _exchange(pair, tmp_path, "answers", to_partner=True)
    assert sorted(await _scalars(partner, "SELECT accepted FROM sync_answer")) == [False, True]
    assert await _scalars(partner, "SELECT allocated FROM offer_line") == [5]
    assert sorted(await _scalars(partner, "SELECT quantity FROM allocation")) == [1, 4]
    # importing the claims again decides nothing twice
    again = await _exchange(pair, tmp_path, "claims-again", to_partner=False)
    assert "already held" in again or "applied 0" in again
    assert await _scalars(settings, "SELECT count(*) FROM sync_answer") == [2]


async def test_a_record_owned_here_ignores_changes_from_other_origins(
    runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, [5], [3])
    async with runtime.db.unit_of_work() as uow:
        self_id = await instance.ensure(uow)
        other = uuid.uuid4()
        offer_id = str(market.offer_id)
        assert await conflicts.owner_of(uow.session, self_id, "offer", offer_id) == self_id
        assert await conflicts.accepts(uow.session, "offer", offer_id, other, 10**9) is False
        assert await conflicts.accepts(uow.session, "offer", str(uuid.uuid4()), other, 1) is True


async def test_an_allocation_made_on_a_replica_line_is_not_believed_by_the_owner(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    market = await make_market(runtime, world, [5], [5])
    partner = second_instance(tmp_path, sqlite_template, "partner")
    pair = await peer(settings, partner, tmp_path, [world.national])
    await _exchange(pair, tmp_path, "replicas", to_partner=True)
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            4,
            uow=uow,
            policy=runtime.policy,
        )
    # at the partner instance, a write straight onto its replica of the hub's line, by a
    # build that does not refuse it (no ownership guard: see test_replicas for the guard)
    remote = Runtime.start(partner)
    rogue_db = Database(partner.effective_database_url)
    try:
        async with rogue_db.unit_of_work() as uow:
            rogue = await allocations.allocate(
                librarian(world, "national"),
                market.offer_lines[0],
                market.request_lines[0],
                3,
                uow=uow,
                policy=remote.policy,
            )
    finally:
        await rogue_db.dispose()
        await remote.close()
    assert "applied" in await _exchange(pair, tmp_path, "rogue", to_partner=False)
    assert await _scalars(settings, "SELECT allocated FROM offer_line") == [4]
    rogue_id = str(rogue.id).replace("-", "")
    found = await _scalars(
        settings,
        f"SELECT count(*) FROM allocation WHERE replace(CAST(id AS TEXT), '-', '') = '{rogue_id}'",
    )
    assert found == [0]
