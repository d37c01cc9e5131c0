"""Shipments through GraphQL: the whole journey to a review destination, as each role."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from exchange.allocations import service as allocations
from exchange.identity.identity import SYSTEM
from exchange.keys import jwks
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.manifests.verify import verify
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import transitions
from exchange.shipments.workflow import Action
from tests.allocations.market import coordinator, make_market
from tests.conftest import World, gql, operation
from tests.shipments.scene import Scene, draft, make_scene


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        key_encryption_key=base64.b64encode(b"s" * 32).decode("ascii"),
    )


async def allocation(runtime: Runtime, world: World) -> tuple[str, str]:
    """An allocation of 4 print copies from the donor to the national library, and the
    custodial keys of both; returns (allocation id, work id)."""
    market = await make_market(runtime, world, [10], [4])
    custody = Custody(runtime.settings.key_encryption_key_bytes)
    async with runtime.db.unit_of_work() as uow:
        for partner in (world.donor, world.national):
            await keys.create_custodial(
                SYSTEM, uuid.UUID(partner), uow=uow, policy=runtime.policy, custody=custody
            )
        row = await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            4,
            uow=uow,
            policy=runtime.policy,
        )
    return str(row.id), str(market.works[0])


async def step(
    client: httpx.AsyncClient, world: World, name: str, who: str, **variables: Any
) -> dict[str, Any]:
    body = await gql(client, operation(name), variables, world.tokens[who])
    assert "errors" not in body, body
    result: dict[str, Any] = next(iter(body["data"].values()))
    return result


async def test_a_shipment_travels_to_a_review_destination_and_is_received_with_a_discrepancy(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    allocation_id, work_id = await allocation(runtime, world)
    created = await step(
        client,
        world,
        "CreateShipment",
        "donor_librarian",
        input={"allocationIds": [allocation_id], "mode": "PHYSICAL", "note": "four copies"},
    )
    assert created["__typename"] == "Shipment", created
    assert (created["state"], created["availableActions"]) == ("DRAFT", ["PACK", "CANCEL"])
    assert created["items"] == [{"allocationId": allocation_id, "quantity": 4}]
    sid = created["id"]

    packed = await step(client, world, "PackShipment", "donor_librarian", id=sid)
    assert (packed["state"], packed["availableActions"]) == ("AWAITING_APPROVAL", ["CANCEL"])

    early = await step(client, world, "DispatchShipment", "donor_librarian", id=sid)
    assert early == {
        "__typename": "IllegalTransition",
        # only what the donor's librarian may do: approving is for coordinators
        "message": "cannot dispatch: the shipment's state is awaiting_approval; allowed: cancel",
        "state": "AWAITING_APPROVAL",
        "allowedActions": ["CANCEL"],
        "shipmentId": sid,
    }
    refused = await step(client, world, "ApproveShipment", "donor_librarian", id=sid)
    assert refused == {
        "__typename": "PermissionDenied",
        "message": "not allowed to shipment.approve: only coordinators or admins may",
        "action": "shipment.approve",
        "reason": "only coordinators or admins may",
    }
    approved = await step(client, world, "ApproveShipment", "coordinator", id=sid)
    assert approved["state"] == "APPROVED"

    sent = await step(
        client,
        world,
        "DispatchShipment",
        "donor_librarian",
        id=sid,
        input={"trackingNumber": "RR123456789DE", "carrier": "Deutsche Post", "location": "Bonn"},
    )
    assert (sent["state"], sent["trackingNumber"], sent["carrier"]) == (
        "DISPATCHED",
        "RR123456789DE",
        "Deutsche Post",
    )
    moving = await step(client, world, "MarkInTransit", "donor_librarian", id=sid)
    assert moving["state"] == "IN_TRANSIT"
    arrived = await step(
        client, world, "MarkDelivered", "librarian", id=sid, input={"location": "Pyongyang"}
    )
    assert (arrived["state"], arrived["availableActions"]) == ("DELIVERED", ["RECEIVE"])

    received = await step(
        client,
        world,
        "ReceiveShipment",
        "librarian",
        id=sid,
        input={
            "discrepancies": [
                {"workId": work_id, "expected": 4, "received": 3, "note": "one copy water-damaged"}
            ]
        },
    )
    assert received["state"] == "RECEIVED_WITH_DISCREPANCY"
    assert [s["role"] for s in received["manifest"]["signatures"]] == ["sender", "receiver"]
    assert [s["partnerId"] for s in received["manifest"]["signatures"]] == [
        world.donor,
        world.national,
    ]
    assert received["manifest"]["discrepancies"] == [
        {"workId": work_id, "expected": 4, "received": 3, "note": "one copy water-damaged"}
    ]

    shown = await gql(client, operation("Shipment"), {"id": sid}, world.tokens["coordinator"])
    shipment = shown["data"]["shipment"]
    assert [(e["action"], e["fromState"], e["toState"]) for e in shipment["events"]] == [
        ("create", None, "DRAFT"),
        ("pack", "DRAFT", "AWAITING_APPROVAL"),
        ("approve", "AWAITING_APPROVAL", "APPROVED"),
        ("dispatch", "APPROVED", "DISPATCHED"),
        ("mark_in_transit", "DISPATCHED", "IN_TRANSIT"),
        ("mark_delivered", "IN_TRANSIT", "DELIVERED"),
        ("receive", "DELIVERED", "RECEIVED_WITH_DISCREPANCY"),
    ]
    assert shipment["events"][0]["note"] == "four copies"
    assert shipment["events"][3]["location"] == "Bonn"
    assert shipment["events"][3]["trackingNumber"] == "RR123456789DE"
    assert shipment["events"][5]["actor"] == f"account:{world.account_ids['librarian']}"
    assert shipment["availableActions"] == []
    [item] = shipment["manifest"]["items"]
    assert (item["workId"], item["quantity"], item["format"], item["objectId"]) == (
        work_id,
        4,
        "print",
        None,
    )

    signed = await gql(
        client, operation("SignedManifest"), {"shipmentId": sid}, world.tokens["librarian"]
    )
    document = json.loads(signed["data"]["signedManifest"])
    published = (await client.get("/.well-known/jwks.json")).json()
    checked = verify(document, jwks.parse(published))
    assert (checked.sender.partner_id, checked.receiver and checked.receiver.partner_id) == (
        uuid.UUID(world.donor),
        uuid.UUID(world.national),
    )


async def test_partners_see_their_own_shipments_and_only_the_sender_creates(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    allocation_id, _work = await allocation(runtime, world)
    denied = await step(
        client,
        world,
        "CreateShipment",
        "librarian",
        input={"allocationIds": [allocation_id], "mode": "PHYSICAL"},
    )
    assert denied["__typename"] == "PermissionDenied"
    mismatch = await step(
        client,
        world,
        "CreateShipment",
        "donor_librarian",
        input={"allocationIds": [allocation_id], "mode": "DIGITAL"},
    )
    assert mismatch["__typename"] == "ValidationError"
    assert mismatch["fields"][0]["code"] == "format_mismatch"
    created = await step(
        client,
        world,
        "CreateShipment",
        "donor_librarian",
        input={"allocationIds": [allocation_id], "mode": "PHYSICAL"},
    )
    again = await step(
        client,
        world,
        "CreateShipment",
        "donor_librarian",
        input={"allocationIds": [allocation_id], "mode": "PHYSICAL"},
    )
    assert again["__typename"] == "Conflict"
    for who in ("coordinator", "donor_librarian", "librarian", "researcher"):
        listed = await gql(client, operation("Shipments"), {}, world.tokens[who])
        assert [n["id"] for n in listed["data"]["shipments"]["nodes"]] == [created["id"]], who
    nothing = await gql(client, operation("SignedManifest"), {"shipmentId": created["id"]})
    assert nothing["data"] is None or nothing["data"]["signedManifest"] is None


LISTING = """
query {
  shipments(first: 100) {
    nodes {
      id state availableActions
      sender { id } receiver { id }
      items { quantity } events { action }
      manifest { digest signatures { role kid } }
    }
  }
}
"""


@contextmanager
def counting_queries(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engines = {runtime.db.reader.sync_engine, runtime.db.writer.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


async def add_shipments(runtime: Runtime, scene: Scene, count: int) -> None:
    """``count`` print shipments to the campus: every other one dispatched (so it has a
    signed manifest to verify), the rest left as drafts."""
    for index in range(count):
        shipment = await draft(runtime, scene, scene.campus, quantity=1)
        if index % 2:
            continue
        async with runtime.db.unit_of_work() as uow:
            await transitions.act(
                scene.sender, shipment.id, Action.PACK, uow=uow, policy=runtime.policy
            )
            await transitions.dispatch(
                scene.sender,
                shipment.id,
                uow=uow,
                policy=runtime.policy,
                custody=scene.custody(runtime),
            )


@pytest.mark.parametrize("who", ["coordinator", "donor_librarian"])
async def test_listing_shipments_costs_the_same_queries_for_2_and_10_shipments(
    client: httpx.AsyncClient, runtime: Runtime, world: World, who: str
) -> None:
    scene = await make_scene(runtime, world)

    async def listing_cost() -> tuple[list[dict[str, Any]], int]:
        with counting_queries(runtime) as statements:
            body = await gql(client, LISTING, {}, world.tokens[who])
        assert "errors" not in body, body
        return body["data"]["shipments"]["nodes"], len(statements)

    await add_shipments(runtime, scene, 2)
    two, cost_two = await listing_cost()
    await add_shipments(runtime, scene, 8)
    ten, cost_ten = await listing_cost()

    assert (len(two), len(ten)) == (2, 10)
    assert cost_ten == cost_two, (cost_two, cost_ten)
    by_state = {n["state"]: n for n in ten}
    # the donor's librarians and coordinators pack (a coordinator packs for a donor)
    assert by_state["DRAFT"]["availableActions"] == ["PACK", "CANCEL"]
    assert by_state["DRAFT"]["manifest"] is None
    assert by_state["DISPATCHED"]["availableActions"] == [
        "MARK_IN_TRANSIT",
        "MARK_DELIVERED",
        "LOSE",
    ]
    assert [s["role"] for s in by_state["DISPATCHED"]["manifest"]["signatures"]] == ["sender"]
    assert sum(n["manifest"] is not None for n in ten) == 5
