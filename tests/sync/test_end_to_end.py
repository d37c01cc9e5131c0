"""A hub and a partner's offline instance, exchanging bundles carried on a disk.

offer (hub) → request and claim (partner instance) → allocation (hub, answering the
claim) → dispatch (hub, signed by the donor) → bundle → receipt countersigned at the
partner instance with the receiver's key held there → bundle back → the hub verifies the
countersignature with the key the partner instance registered, and the shipment is
received. The bundles move only through ``exchange peers`` and ``exchange sync``; the
domain actions are the services the pages and GraphQL call (the CLI has no commands for
them).
"""

from __future__ import annotations

import json
from pathlib import Path

from exchange.identity.identity import SYSTEM, Role
from exchange.keys import jwks
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.manifests import verify
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import transitions
from exchange.shipments.models import Shipment, ShipmentMode
from exchange.shipments.workflow import Action
from exchange.sync import proposals
from exchange.sync.models import SyncAnswer
from tests.conftest import World
from tests.shipments.scene import make_scene, person
from tests.sync.pair import Pair, cli_ok, peer, second_instance


async def carry(pair: Pair, tmp_path: Path, name: str, *, to_partner: bool) -> str:
    """Export from one instance to a file on the "disk", import it at the other."""
    source, target, peer_id = (
        (pair.hub, pair.partner, pair.partner_id)
        if to_partner
        else (pair.partner, pair.hub, pair.hub_id)
    )
    disk = tmp_path / "disk" / f"{name}.tar.gz"
    await cli_ok(source, "sync", "export", "--peer", str(peer_id), str(disk))
    return await cli_ok(target, "sync", "import", str(disk))


async def test_offer_to_countersigned_receipt_across_a_hub_and_an_offline_instance(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    hub_custody = scene.custody(runtime)
    async with runtime.db.unit_of_work() as uow:
        await keys.create_custodial(
            SYSTEM, scene.donor, uow=uow, policy=runtime.policy, custody=hub_custody
        )
    pair = await peer(
        settings, second_instance(tmp_path, sqlite_template, "partner"), tmp_path, [world.national]
    )
    assert "applied" in await carry(pair, tmp_path, "1-catalogue", to_partner=True)

    national = scene.national
    librarian = person(national, Role.LIBRARIAN)
    remote = Runtime.start(pair.partner)
    remote_custody = Custody(remote.settings.key_encryption_key_bytes)
    try:
        async with remote.db.unit_of_work() as uow:
            # the receiver's key is made and held at its own instance
            await keys.create_custodial(
                SYSTEM, national, uow=uow, policy=remote.policy, custody=remote_custody
            )
            request = await requests.create(
                librarian,
                requests.RequestDraft(
                    national, [requests.RequestLineDraft(2, work_id=scene.works[0])]
                ),
                uow=uow,
                policy=remote.policy,
            )
            line = (await requests.lines_of([request.id], session=uow.session))[request.id][0]
            claim = await proposals.claim(
                librarian, scene.print_line, line.id, 2, uow=uow, policy=remote.policy
            )
        assert claim.allocation_id is None
        assert claim.owner == pair.hub_id
    finally:
        await remote.close()

    assert "applied" in await carry(pair, tmp_path, "2-claim", to_partner=False)
    async with runtime.db.read() as session:
        answer = await session.get(SyncAnswer, claim.proposal_id)
    assert answer is not None
    assert (answer.accepted, answer.reason) == (True, None)
    assert answer.allocation_id is not None

    async with runtime.db.unit_of_work() as uow:
        shipment = await transitions.create(
            scene.sender,
            [answer.allocation_id],
            ShipmentMode.PHYSICAL,
            uow=uow,
            policy=runtime.policy,
        )
    for action, who in (
        (Action.PACK, scene.sender),
        (Action.APPROVE, scene.coordinator),
        (Action.DISPATCH, scene.sender),
        (Action.MARK_IN_TRANSIT, scene.sender),
        (Action.MARK_DELIVERED, scene.sender),
    ):
        async with runtime.db.unit_of_work() as uow:
            if action is Action.DISPATCH:
                await transitions.dispatch(
                    who, shipment.id, uow=uow, policy=runtime.policy, custody=hub_custody
                )
            else:
                await transitions.act(who, shipment.id, action, uow=uow, policy=runtime.policy)

    assert "applied" in await carry(pair, tmp_path, "3-shipment", to_partner=True)
    remote = Runtime.start(pair.partner)
    try:
        async with remote.db.read() as session:
            replica = await session.get(Shipment, shipment.id)
            assert replica is not None
            assert replica.state == "delivered"
        async with remote.db.unit_of_work() as uow:
            receipt = await proposals.confirm_receipt(
                librarian, shipment.id, uow=uow, policy=remote.policy, custody=remote_custody
            )
        async with remote.db.read() as session:
            still = await session.get(Shipment, shipment.id)
            assert still is not None
            assert still.state == "delivered"  # a replica changes only by its owner's word
    finally:
        await remote.close()

    assert "applied" in await carry(pair, tmp_path, "4-receipt", to_partner=False)
    async with runtime.db.read() as session:
        received = await session.get(Shipment, shipment.id)
        receipt_answer = await session.get(SyncAnswer, receipt.proposal_id)
        ring = jwks.parse(await jwks.build(SYSTEM, session=session, policy=runtime.policy))
    assert receipt_answer is not None
    assert (receipt_answer.accepted, receipt_answer.reason) == (True, None)
    assert received is not None
    assert received.state == "received"
    assert received.manifest is not None
    checked = verify.verify(json.loads(received.manifest), ring)
    assert checked.receiver is not None
    assert checked.receiver.partner_id == national
    assert checked.sender.partner_id == scene.donor

    # the hub holds only the public half of the receiver's key
    async with runtime.db.read() as session:
        national_keys = await keys.list(SYSTEM, national, session=session, policy=runtime.policy)
    assert [k.custodial for k in national_keys] == [False]

    assert "applied" in await carry(pair, tmp_path, "5-received", to_partner=True)
    remote = Runtime.start(pair.partner)
    try:
        async with remote.db.read() as session:
            final = await session.get(Shipment, shipment.id)
        assert final is not None
        assert final.state == "received"
        assert final.manifest == received.manifest
    finally:
        await remote.close()
