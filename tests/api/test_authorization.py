"""The examples of issue 11's authorization items, each as a test (the matrix in
test_authorization_matrix.py covers every mutation × role; these follow single stories).

5. a suspended partner's librarian releases nothing and cancels nothing;
6. an allocation that travels is frozen (a quantity-1 line can no longer ship twice);
7. startUpload checks the shipment (or seminar) it names;
8. who reads which offers, requests (and their notes) and allocations.
"""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange import clock
from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation
from exchange.errors import InsufficientQuantity
from exchange.identity.identity import SYSTEM
from exchange.ids import uuid7
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.partners import service as partners
from exchange.requests import service as requests
from exchange.requests.models import RequestLine
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import transitions
from exchange.shipments.models import ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action
from tests.api.matrix_scene import Scene, fingerprint, librarian_of, make_scene
from tests.conftest import gql, operation

OWNER = "librarian of the owner"
S = ShipmentState


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        key_encryption_key=base64.b64encode(b"a" * 32).decode("ascii"),
    )


@pytest.fixture
async def scene(runtime: Runtime) -> Scene:
    return await make_scene(runtime)


async def call(
    client: httpx.AsyncClient, name: str, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    body = await gql(client, operation(name), variables, token)
    assert "errors" not in body, body
    result: dict[str, Any] = next(iter(body["data"].values()))
    return result


async def suspend(runtime: Runtime, partner: uuid.UUID) -> None:
    async with runtime.db.unit_of_work() as uow:
        await partners.suspend(SYSTEM, partner, uow=uow, policy=runtime.policy)


# 5. A suspended partner: readable, nothing of it written -------------------------------


async def test_a_suspended_partners_librarian_cannot_release_its_allocation(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    allocation = await scene.allocation(scene.counterpart, scene.suspended)
    await suspend(runtime, scene.suspended)
    before = await fingerprint(runtime)
    token = scene.tokens["librarian of a suspended partner"]
    refused = await call(client, "ReleaseAllocation", {"id": str(allocation)}, token)
    assert (refused["__typename"], refused["action"]) == ("PermissionDenied", "allocation.release")
    assert await fingerprint(runtime) == before


async def test_a_suspended_partners_librarian_cannot_cancel_its_shipment(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    shipment, _allocation = await scene.shipment(scene.suspended, scene.counterpart, S.DRAFT)
    await suspend(runtime, scene.suspended)
    before = await fingerprint(runtime)
    token = scene.tokens["librarian of a suspended partner"]
    refused = await call(client, "CancelShipment", {"id": str(shipment)}, token)
    assert (refused["__typename"], refused["action"]) == ("PermissionDenied", "shipment.cancel")
    assert await fingerprint(runtime) == before
    # it can still be read by them
    seen = await call(client, "Shipment", {"id": str(shipment)}, token)
    assert (seen["id"], seen["state"]) == (str(shipment), "DRAFT")


async def test_what_a_suspended_partner_shares_is_frozen_for_the_other_side_too(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    """The counterpart cannot ship what was promised to a suspended partner either; an
    admin still can wind it down."""
    allocation = await scene.allocation(scene.owner, scene.suspended)
    shipment, _ = await scene.shipment(scene.owner, scene.suspended, S.DRAFT)
    await suspend(runtime, scene.suspended)
    before = await fingerprint(runtime)
    created = await call(
        client,
        "CreateShipment",
        {"input": {"allocationIds": [str(allocation)], "mode": "PHYSICAL"}},
        scene.tokens[OWNER],
    )
    assert (created["__typename"], created["action"]) == ("PermissionDenied", "shipment.create")
    assert await fingerprint(runtime) == before
    cancelled = await call(client, "CancelShipment", {"id": str(shipment)}, scene.tokens["admin"])
    assert cancelled["state"] == "CANCELLED"


# 6. Allocations that travel are frozen -------------------------------------------------


async def single_copy(scene: Scene) -> uuid.UUID:
    """An open offer of the owner with one line of a single copy; the line's id."""
    runtime, donor = scene.runtime, librarian_of(scene.owner)
    work = await scene.work(scene.owner)
    draft = offers.OfferDraft(
        scene.owner,
        [offers.OfferLineDraft(work, 1, Format.PRINT, Condition.GOOD)],
        clock.now() + timedelta(days=30),
    )
    async with runtime.db.unit_of_work() as uow:
        offer = await offers.create(donor, draft, uow=uow, policy=runtime.policy)
        await offers.transition(donor, offer.id, "publish", uow=uow, policy=runtime.policy)
        return (await offers.lines_of([offer.id], session=uow.session))[offer.id][0].id


async def claim(scene: Scene, line: uuid.UUID, requester: uuid.UUID) -> uuid.UUID:
    runtime, taker = scene.runtime, librarian_of(requester)
    async with runtime.db.unit_of_work() as uow:
        made = await requests.create(
            taker,
            requests.RequestDraft(requester, [requests.RequestLineDraft(1, subject="statics")]),
            uow=uow,
            policy=runtime.policy,
        )
        wanted = (await requests.lines_of([made.id], session=uow.session))[made.id][0]
        return (
            await allocations.allocate(taker, line, wanted.id, 1, uow=uow, policy=runtime.policy)
        ).id


async def ship(scene: Scene, allocation: uuid.UUID, receiver: uuid.UUID, *steps: Action) -> str:
    runtime = scene.runtime
    async with runtime.db.unit_of_work() as uow:
        shipment = await transitions.create(
            librarian_of(scene.owner),
            [allocation],
            ShipmentMode.PHYSICAL,
            uow=uow,
            policy=runtime.policy,
        )
    for step in steps:
        async with runtime.db.unit_of_work() as uow:
            if step is Action.DISPATCH:
                await transitions.dispatch(
                    SYSTEM, shipment.id, uow=uow, policy=runtime.policy, custody=scene.custody
                )
            elif step is Action.RECEIVE:
                await transitions.receive(
                    SYSTEM, shipment.id, uow=uow, policy=runtime.policy, custody=scene.custody
                )
            else:
                await transitions.act(SYSTEM, shipment.id, step, uow=uow, policy=runtime.policy)
    return str(shipment.id)


TO_THE_DOOR = (Action.PACK, Action.DISPATCH, Action.MARK_DELIVERED)


@pytest.mark.parametrize(
    ("steps", "state", "ways", "advice"),
    [
        ((), "DRAFT", ["CANCEL"], "cancel the shipment first"),
        ((Action.PACK,), "PACKED", ["CANCEL"], "cancel the shipment first"),
        ((Action.PACK, Action.DISPATCH), "DISPATCHED", ["LOSE"], "mark the shipment lost first"),
        (TO_THE_DOOR, "DELIVERED", [], "it has arrived and cannot be released"),
        (
            (*TO_THE_DOOR, Action.RECEIVE),
            "RECEIVED",
            [],
            "it has arrived and cannot be released",
        ),
    ],
)
async def test_an_allocation_that_travels_cannot_be_released(
    client: httpx.AsyncClient,
    runtime: Runtime,
    scene: Scene,
    steps: tuple[Action, ...],
    state: str,
    ways: list[str],
    advice: str,
) -> None:
    line = await single_copy(scene)
    # the other partner's request (the owner cannot allocate its offer to itself)
    allocation = await claim(scene, line, scene.other)
    shipment = await ship(scene, allocation, scene.other, *steps)
    before = await fingerprint(runtime)
    refused = await call(
        client, "ReleaseAllocation", {"id": str(allocation)}, scene.tokens["admin"]
    )
    assert refused == {
        "__typename": "AllocationTravels",
        "message": (
            f"allocation {allocation} travels in shipment {shipment} ({state.lower()}): {advice}"
        ),
        "allocationId": str(allocation),
        "shipmentId": shipment,
        "shipmentState": state,
        "ways": ways,
    }
    assert await fingerprint(runtime) == before
    # the single copy stays promised: a second claim on the line finds nothing left
    with pytest.raises(InsufficientQuantity):
        await claim(scene, line, scene.counterpart)


@pytest.mark.parametrize("way", [(Action.CANCEL,), (Action.PACK, Action.DISPATCH, Action.LOSE)])
async def test_cancelling_or_losing_the_shipment_frees_the_allocation(
    client: httpx.AsyncClient, scene: Scene, way: tuple[Action, ...]
) -> None:
    line = await single_copy(scene)
    allocation = await claim(scene, line, scene.other)
    await ship(scene, allocation, scene.other, *way)
    released = await call(
        client, "ReleaseAllocation", {"id": str(allocation)}, scene.tokens["admin"]
    )
    assert (released["__typename"], released["state"]) == ("Allocation", "RELEASED")
    await claim(scene, line, scene.counterpart)  # the copy is free again


async def test_a_request_whose_copies_are_on_their_way_cannot_be_cancelled(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    shipment, allocation = await scene.shipment(scene.owner, scene.counterpart, S.DISPATCHED)
    async with runtime.db.read() as session:
        promised = await session.get(Allocation, allocation)
        assert promised is not None
        line = await session.get(RequestLine, promised.request_line_id)
        assert line is not None
    counterpart_token = await _librarian_token(scene, scene.counterpart)
    before = await fingerprint(runtime)
    refused = await call(client, "CancelRequest", {"id": str(line.request_id)}, counterpart_token)
    assert (refused["__typename"], refused["shipmentId"]) == ("AllocationTravels", str(shipment))
    assert refused["ways"] == ["LOSE"]
    assert await fingerprint(runtime) == before


async def _librarian_token(scene: Scene, partner: uuid.UUID) -> str:
    """A token of a new account that is a librarian of ``partner``."""
    from exchange.identity import service as identity_service
    from exchange.identity import tokens
    from exchange.identity.identity import Role

    runtime = scene.runtime
    async with runtime.db.unit_of_work() as uow:
        n = scene.unique()
        account = await identity_service.create_account(
            SYSTEM,
            identity_service.AccountDraft(f"librarian{n}@example.org", "Librarian"),
            uow=uow,
            policy=runtime.policy,
        )
        await identity_service.add_membership(
            SYSTEM, account.id, partner, Role.LIBRARIAN, uow=uow, policy=runtime.policy
        )
        _row, secret = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
    return secret


# 7. Referenced ids are checked ---------------------------------------------------------


def upload_input(scene: Scene, shipment: object, owner: uuid.UUID) -> dict[str, Any]:
    return {
        "input": {
            "filename": "scan.pdf",
            "size": 1000,
            "sha256": "cd" * 32,
            "mediaType": "application/pdf",
            "licence": "CC-BY-4.0",
            "shipmentId": str(shipment),
            "ownerPartnerId": str(owner),
        }
    }


async def test_start_upload_refuses_a_shipment_between_two_other_partners(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    theirs, _ = await scene.shipment(
        scene.counterpart, scene.suspended, S.DRAFT, ShipmentMode.DIGITAL
    )
    before = await fingerprint(runtime)
    refused = await call(
        client, "StartUpload", upload_input(scene, theirs, scene.owner), scene.tokens[OWNER]
    )
    assert refused == {
        "__typename": "NotFound",
        "message": f"shipment {theirs} not found",
        "entity": "shipment",
        "id": str(theirs),
    }
    assert await fingerprint(runtime) == before


async def test_start_upload_refuses_a_shipment_that_does_not_exist(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    missing = uuid7()
    before = await fingerprint(runtime)
    refused = await call(
        client, "StartUpload", upload_input(scene, missing, scene.owner), scene.tokens[OWNER]
    )
    assert (refused["__typename"], refused["id"]) == ("NotFound", str(missing))
    assert await fingerprint(runtime) == before


async def test_start_upload_refuses_a_shipment_the_caller_may_see_but_not_pack(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    """The receiving librarian sees the shipment, but only the sender fills it."""
    incoming, _ = await scene.shipment(
        scene.counterpart, scene.owner, S.DRAFT, ShipmentMode.DIGITAL
    )
    before = await fingerprint(runtime)
    refused = await call(
        client, "StartUpload", upload_input(scene, incoming, scene.owner), scene.tokens[OWNER]
    )
    assert (refused["__typename"], refused["action"]) == ("PermissionDenied", "shipment.pack")
    assert await fingerprint(runtime) == before


@pytest.mark.parametrize(
    ("mode", "state", "expected"),
    [
        (ShipmentMode.PHYSICAL, S.DRAFT, "only a digital shipment carries files"),
        (ShipmentMode.DIGITAL, S.DISPATCHED, "the shipment is dispatched"),
    ],
)
async def test_start_upload_refuses_a_shipment_that_carries_no_more_files(
    client: httpx.AsyncClient,
    runtime: Runtime,
    scene: Scene,
    mode: ShipmentMode,
    state: ShipmentState,
    expected: str,
) -> None:
    if mode is ShipmentMode.DIGITAL:
        # a digital shipment leaves only with its files: attach one, then dispatch
        shipment, allocation = await scene.shipment(
            scene.owner, scene.counterpart, S.DRAFT, ShipmentMode.DIGITAL
        )
        carried = await scene.upload(
            scene.owner, shipment=shipment, licence="CC-BY-4.0", complete=True
        )
        async with runtime.db.unit_of_work() as uow:
            await transitions.attach_object(
                SYSTEM, shipment, allocation, carried, uow=uow, policy=runtime.policy
            )
        for step in (Action.PACK, Action.APPROVE, Action.DISPATCH):
            async with runtime.db.unit_of_work() as uow:
                if step is Action.DISPATCH:
                    await transitions.dispatch(
                        SYSTEM, shipment, uow=uow, policy=runtime.policy, custody=scene.custody
                    )
                else:
                    await transitions.act(SYSTEM, shipment, step, uow=uow, policy=runtime.policy)
    else:
        shipment, _ = await scene.shipment(scene.owner, scene.counterpart, state, mode)
    before = await fingerprint(runtime)
    refused = await call(
        client, "StartUpload", upload_input(scene, shipment, scene.owner), scene.tokens[OWNER]
    )
    assert refused == {"__typename": "Conflict", "message": expected, "existingId": str(shipment)}
    assert await fingerprint(runtime) == before


async def test_start_upload_refuses_a_seminar_of_another_host(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    seminar = await scene.seminar(scene.other)
    payload = upload_input(scene, "x", scene.owner)
    del payload["input"]["shipmentId"]
    payload["input"]["seminarId"] = str(seminar)
    before = await fingerprint(runtime)
    refused = await call(client, "StartUpload", payload, scene.tokens[OWNER])
    assert (refused["__typename"], refused["action"]) == ("PermissionDenied", "seminar.update")
    assert await fingerprint(runtime) == before


# 8. Reads ------------------------------------------------------------------------------


async def listed(
    client: httpx.AsyncClient, name: str, token: str | None, field: str
) -> list[dict[str, Any]]:
    body = await gql(client, operation(name), {"first": 100}, token)
    if body.get("errors"):
        return [{"error": body["errors"][0]["message"]}]
    nodes: list[dict[str, Any]] = body["data"][field]["nodes"]
    return nodes


ONE_OFFER = "query One($id: ID!) { offer(id: $id) { id } }"


async def test_who_reads_which_offers(client: httpx.AsyncClient, scene: Scene) -> None:
    draft, _ = await scene.offer(scene.owner, publish=False)
    published, _ = await scene.offer(scene.owner, publish=True)
    both, only_published = [str(draft), str(published)], [str(published)]
    expected: dict[str, list[str]] = {
        "no membership": [],
        "researcher": only_published,
        OWNER: both,
        "librarian of another partner": only_published,
        "coordinator": only_published,
        "admin": both,
    }
    for role, ids in expected.items():
        nodes = await listed(client, "Offers", scene.tokens[role], "offers")
        assert [n["id"] for n in nodes] == ids, role
        one = await gql(client, ONE_OFFER, {"id": str(draft)}, scene.tokens[role])
        assert (one["data"]["offer"] is not None) is (str(draft) in ids), role
    anonymous = await listed(client, "Offers", None, "offers")
    assert anonymous == [{"error": "not allowed to offer.list: only signed-in accounts may"}]


async def test_who_reads_which_requests_and_their_notes(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    request, _ = await scene.request(scene.owner)
    note = "for the spring term; ask for Dr. Kim"
    expected: dict[str, list[dict[str, Any]]] = {
        "no membership": [],
        "researcher": [{"id": str(request), "note": None}],  # of the requesting partner
        OWNER: [{"id": str(request), "note": note}],
        "librarian of another partner": [{"id": str(request), "note": None}],
        "coordinator": [{"id": str(request), "note": note}],
        "admin": [{"id": str(request), "note": note}],
    }
    for role, seen in expected.items():
        nodes = await listed(client, "Requests", scene.tokens[role], "requests")
        assert [{"id": n["id"], "note": n["note"]} for n in nodes] == seen, role
    outsider = await _researcher_elsewhere(scene)
    assert await listed(client, "Requests", outsider, "requests") == []


async def _researcher_elsewhere(scene: Scene) -> str:
    from exchange.identity import service as identity_service
    from exchange.identity import tokens
    from exchange.identity.identity import Role

    runtime = scene.runtime
    async with runtime.db.unit_of_work() as uow:
        account = await identity_service.create_account(
            SYSTEM,
            identity_service.AccountDraft("elsewhere@example.org", "Researcher"),
            uow=uow,
            policy=runtime.policy,
        )
        await identity_service.add_membership(
            SYSTEM, account.id, scene.other, Role.RESEARCHER, uow=uow, policy=runtime.policy
        )
        _row, secret = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
    return secret


async def test_who_reads_which_allocations(client: httpx.AsyncClient, scene: Scene) -> None:
    ours = await scene.allocation(scene.counterpart, scene.owner)
    theirs = await scene.allocation(scene.counterpart, scene.suspended)
    expected: dict[str, list[str]] = {
        "no membership": [],
        "researcher": [],
        OWNER: [str(ours)],
        "librarian of another partner": [],
        "librarian of a suspended partner": [str(theirs)],
        "coordinator": [str(ours), str(theirs)],
        "admin": [str(ours), str(theirs)],
    }
    for role, ids in expected.items():
        nodes = await listed(client, "Allocations", scene.tokens[role], "allocations")
        assert [n["id"] for n in nodes] == ids, role


async def test_a_receipt_cannot_state_discrepancies_of_works_not_sent(
    client: httpx.AsyncClient, runtime: Runtime, scene: Scene
) -> None:
    shipment, _ = await scene.shipment(scene.counterpart, scene.owner, S.DELIVERED)
    stranger = await scene.work(scene.other)
    before = await fingerprint(runtime)
    refused = await call(
        client,
        "ReceiveShipment",
        {
            "id": str(shipment),
            "input": {"discrepancies": [{"workId": str(stranger), "expected": 1, "received": 0}]},
        },
        scene.tokens[OWNER],
    )
    assert refused["__typename"] == "ValidationError"
    assert refused["fields"] == [
        {
            "field": "discrepancies[0].workId",
            "code": "not_in_shipment",
            "message": "no item of this work",
        }
    ]
    assert await fingerprint(runtime) == before
