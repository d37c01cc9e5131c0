"""GraphQL and the pages at a partner's own instance: a claim on the hub's offer line and
a receipt of the hub's shipment answer "proposed, awaiting instance <hub>"; another write
on a replica is refused naming the hub, and nothing changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from exchange.app import create_app
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM, Role
from exchange.identity.models import Account
from exchange.keys import service as keys
from exchange.requests import service as requests
from exchange.requests.models import ResourceRequest
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import transitions
from exchange.shipments.models import Shipment
from exchange.shipments.workflow import Action
from exchange.sync.models import SyncProposal
from tests.conftest import World, gql, operation
from tests.pages.people import person, sign_in
from tests.shipments.scene import Scene, draft, make_scene
from tests.sync.pair import Pair, cli_ok, peer, second_instance

READER = "reader@example.org"


@dataclass
class Delivered:
    pair: Pair
    scene: Scene
    shipment_id: uuid.UUID
    open_request: uuid.UUID  # the hub's request of the national library, nothing allocated
    open_line: uuid.UUID


async def delivered_replica(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, template: Path
) -> Delivered:
    """The hub dispatched and delivered a shipment to the national library, whose own
    instance holds it as a replica, with the library's key and a librarian there."""
    scene = await make_scene(runtime, world, custodial=False)
    custody = scene.custody(runtime)
    async with runtime.db.unit_of_work() as uow:
        await keys.create_custodial(
            SYSTEM, scene.donor, uow=uow, policy=runtime.policy, custody=custody
        )
        wanting = await requests.create(
            scene.receivers[scene.national],
            requests.RequestDraft(
                scene.national, [requests.RequestLineDraft(4, work_id=scene.works[0])]
            ),
            uow=uow,
            policy=runtime.policy,
        )
        line = (await requests.lines_of([wanting.id], session=uow.session))[wanting.id][0]
    shipment = await draft(runtime, scene, scene.national)
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
                    who, shipment.id, uow=uow, policy=runtime.policy, custody=custody
                )
            else:
                await transitions.act(who, shipment.id, action, uow=uow, policy=runtime.policy)
    pair = await peer(
        settings, second_instance(tmp_path, template, "partner"), tmp_path, [world.national]
    )
    disk = tmp_path / "disk.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(disk))
    await cli_ok(pair.partner, "sync", "import", str(disk))
    remote = Runtime.start(pair.partner)
    try:
        async with remote.db.unit_of_work() as uow:
            await keys.create_custodial(
                SYSTEM, scene.national, uow=uow, policy=remote.policy,
                custody=scene.custody(remote),
            )  # fmt: skip
        await person(remote, READER, scene.national, Role.LIBRARIAN)
    finally:
        await remote.close()
    return Delivered(pair, scene, shipment.id, wanting.id, line.id)


async def _proposals(remote: Runtime) -> int:
    async with remote.db.read() as session:
        return len((await session.exec(select(SyncProposal))).all())


async def test_graphql_at_a_partner_instance_answers_proposed_or_refuses_naming_the_hub(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    held = await delivered_replica(settings, runtime, world, tmp_path, sqlite_template)
    hub = str(held.pair.hub_id)
    remote = Runtime.start(held.pair.partner)
    try:
        async with remote.db.unit_of_work() as uow:
            account = (await uow.session.exec(select(Account))).one()
            _row, token = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
        transport = httpx.ASGITransport(app=create_app(held.pair.partner, remote))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            claim = await gql(
                api,
                operation("Allocate"),
                {
                    "input": {
                        "offerLineId": str(held.scene.print_line),
                        "requestLineId": str(held.open_line),
                        "quantity": 2,
                    }
                },
                token,
            )
            receipt = await gql(
                api, operation("ReceiveShipment"), {"id": str(held.shipment_id)}, token
            )
            cancel = await gql(
                api, operation("CancelRequest"), {"id": str(held.open_request)}, token
            )
        for answer, kind in ((claim["data"]["allocate"], "claim"),
                             (receipt["data"]["receiveShipment"], "receipt")):  # fmt: skip
            assert answer["__typename"] == "Proposed"
            assert (answer["kind"], answer["ownerInstance"]) == (kind, hub)
            assert answer["message"] == f"proposed, awaiting instance {hub}"
        refused = cancel["data"]["cancelRequest"]
        assert refused == {
            "__typename": "Conflict",
            "message": f"request {held.open_request} is a replica owned by instance {hub}:"
            " it changes only there",
            "existingId": str(held.open_request),
        }
        async with remote.db.read() as session:
            request = await session.get(ResourceRequest, held.open_request)
            shipment = await session.get(Shipment, held.shipment_id)
        assert request is not None
        assert shipment is not None
        assert (request.state, shipment.state) == ("open", "delivered")
        assert await _proposals(remote) == 2
    finally:
        await remote.close()


async def test_pages_at_a_partner_instance_show_a_claim_and_a_receipt_as_proposed(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    held = await delivered_replica(settings, runtime, world, tmp_path, sqlite_template)
    hub = str(held.pair.hub_id)
    remote = Runtime.start(held.pair.partner)
    try:
        transport = httpx.ASGITransport(app=create_app(held.pair.partner, remote))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            csrf = await sign_in(web, READER)
            claimed = await web.post(
                f"/request-lines/{held.open_line}/claim",
                data={"csrf": csrf, "offer_line": str(held.scene.print_line), "quantity": "2"},
            )
            received = await web.post(f"/shipments/{held.shipment_id}/receive", data={"csrf": csrf})
            again = await web.post(f"/shipments/{held.shipment_id}/receive", data={"csrf": csrf})
        for response, back in ((claimed, "/board"), (received, f"/shipments/{held.shipment_id}")):
            assert response.status_code == 202, response.text
            assert f"Proposed, awaiting instance {hub}." in response.text
            assert f'href="{back}"' in response.text
        assert again.status_code == 409
        assert f"a receipt is already proposed, awaiting instance {hub}" in again.text
        assert await _proposals(remote) == 2
    finally:
        await remote.close()
