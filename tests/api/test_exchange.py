"""Offers, requests, suggestions and allocations, as librarians and coordinators use them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from exchange import clock
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World, db_state, gql, operation


async def make_work(
    runtime: Runtime,
    world: World,
    title: str,
    language: str = "en",
    subjects: list[str] | None = None,
    level: WorkLevel | None = WorkLevel.UNDERGRADUATE,
    kind: WorkKind = WorkKind.TEXTBOOK,
) -> str:
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            kind=kind,
            titles=[("en", title)],
            language=language,
            partner_id=uuid.UUID(world.donor),
            subjects=subjects or [],
            level=level,
        )
        return str((await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)).id)


def later(days: int = 30) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


async def open_offer(
    client: Any, world: World, lines: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    token = world.tokens["donor_librarian"]
    created = await gql(
        client,
        operation("CreateOffer"),
        {"input": {"partnerId": world.donor, "lines": lines, "expiresAt": later(), **extra}},
        token,
    )
    offer = created["data"]["createOffer"]
    assert offer["__typename"] == "Offer", offer
    assert offer["state"] == "DRAFT"
    published = await gql(client, operation("PublishOffer"), {"id": offer["id"]}, token)
    assert published["data"]["publishOffer"]["state"] == "OPEN"
    return dict(offer)


async def post_request(client: Any, world: World, lines: list[dict[str, Any]]) -> dict[str, Any]:
    created = await gql(
        client,
        operation("CreateRequest"),
        {"input": {"partnerId": world.national, "lines": lines}},
        world.tokens["librarian"],
    )
    request = created["data"]["createRequest"]
    assert request["__typename"] == "Request", request
    return dict(request)


def print_line(work: str, quantity: int) -> dict[str, Any]:
    return {"workId": work, "quantity": quantity, "format": "PRINT", "condition": "GOOD"}


async def test_coordinator_sees_ranked_suggestions_and_allocates(
    client: Any, world: World, runtime: Runtime
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra", subjects=["mathematics"])
    calculus = await make_work(runtime, world, "Calculus", subjects=["mathematics"])
    poetry = await make_work(
        runtime, world, "Poetry", language="ko", subjects=["literature"], level=None
    )
    offer = await open_offer(
        client, world, [print_line(algebra, 5), print_line(calculus, 2), print_line(poetry, 9)]
    )
    request = await post_request(
        client,
        world,
        [
            {"workId": algebra, "quantity": 3, "priority": "URGENT"},
            {"subject": "mathematics", "language": "en", "level": "UNDERGRADUATE", "quantity": 4},
        ],
    )
    named, described = request["lines"]
    coordinator = world.tokens["coordinator"]

    exact = (
        await gql(client, operation("Suggestions"), {"requestLineId": named["id"]}, coordinator)
    )["data"]["suggestions"]
    assert [
        (s["offerLine"]["workId"], s["exactWork"], s["available"], s["score"]) for s in exact
    ] == [(algebra, True, 5, 100)]
    ranked = (
        await gql(client, operation("Suggestions"), {"requestLineId": described["id"]}, coordinator)
    )["data"]["suggestions"]
    assert [(s["offerLine"]["workId"], s["score"]) for s in ranked] == [
        (algebra, 100),
        (calculus, 100),
    ]

    got = await gql(
        client,
        operation("Allocate"),
        {
            "input": {
                "offerLineId": offer["lines"][0]["id"],
                "requestLineId": named["id"],
                "quantity": 3,
            }
        },
        coordinator,
    )
    assert got["data"]["allocate"]["__typename"] == "Allocation"
    after = (
        await gql(client, operation("Suggestions"), {"requestLineId": described["id"]}, coordinator)
    )["data"]["suggestions"]
    assert [(s["offerLine"]["workId"], s["available"]) for s in after] == [
        (algebra, 2),
        (calculus, 2),
    ]

    short = await gql(
        client,
        operation("Allocate"),
        {
            "input": {
                "offerLineId": offer["lines"][0]["id"],
                "requestLineId": described["id"],
                "quantity": 3,
            }
        },
        coordinator,
    )
    assert short["data"]["allocate"] == {
        "__typename": "InsufficientQuantity",
        "message": "only 2 left on the offer line",
        "line": "offer",
        "lineId": offer["lines"][0]["id"],
        "available": 2,
    }
    requests_now = await gql(client, operation("Requests"), {}, coordinator)
    assert requests_now["data"]["requests"]["nodes"][0]["state"] == "PARTIALLY_FILLED"


async def test_suspended_and_expired_offers_never_appear_in_suggestions(
    client: Any, world: World, runtime: Runtime
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra")
    offer = await open_offer(client, world, [print_line(algebra, 5)])
    request = await post_request(client, world, [{"workId": algebra, "quantity": 1}])
    line = request["lines"][0]["id"]
    coordinator = world.tokens["coordinator"]
    assert (
        len(
            (await gql(client, operation("Suggestions"), {"requestLineId": line}, coordinator))[
                "data"
            ]["suggestions"]
        )
        == 1
    )

    suspended = await gql(
        client, operation("SuspendPartner"), {"id": world.donor}, world.tokens["admin"]
    )
    assert suspended["data"]["suspendPartner"]["status"] == "SUSPENDED"
    assert (await gql(client, operation("Suggestions"), {"requestLineId": line}, coordinator))[
        "data"
    ]["suggestions"] == []
    await gql(client, operation("ReactivatePartner"), {"id": world.donor}, world.tokens["admin"])

    from exchange.offers.models import Offer

    async with runtime.db.unit_of_work() as uow:
        row = await uow.session.get(Offer, uuid.UUID(offer["id"]))
        assert row is not None
        row.expires_at = clock.now() - timedelta(minutes=1)
        uow.session.add(row)
    assert (await gql(client, operation("Suggestions"), {"requestLineId": line}, coordinator))[
        "data"
    ]["suggestions"] == []
    listed = await gql(client, operation("Offers"), {"filter": {"state": "EXPIRED"}}, coordinator)
    assert [o["id"] for o in listed["data"]["offers"]["nodes"]] == [offer["id"]]


@pytest.mark.parametrize("who", ["librarian", "researcher", "coordinator", None])
async def test_only_donor_librarians_post_offers_and_a_denial_changes_nothing(
    client: Any, world: World, runtime: Runtime, who: str | None
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra")
    before = await db_state(runtime)
    token = world.tokens[who] if who else None
    body = await gql(
        client,
        operation("CreateOffer"),
        {
            "input": {
                "partnerId": world.donor,
                "lines": [print_line(algebra, 1)],
                "expiresAt": later(),
            }
        },
        token,
    )
    assert body["data"]["createOffer"]["__typename"] == "PermissionDenied"
    assert await db_state(runtime) == before


async def test_requests_are_posted_only_by_the_partners_own_librarians(
    client: Any, world: World, runtime: Runtime
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra")
    before = await db_state(runtime)
    body = await gql(
        client,
        operation("CreateRequest"),
        {"input": {"partnerId": world.national, "lines": [{"workId": algebra, "quantity": 1}]}},
        world.tokens["donor_librarian"],
    )
    assert body["data"]["createRequest"]["__typename"] == "PermissionDenied"
    assert await db_state(runtime) == before


@pytest.mark.parametrize(
    ("lines", "extra", "field", "code"),
    [
        (
            [{"quantity": 0, "format": "PRINT", "condition": "NEW"}],
            {},
            "lines[0].quantity",
            "out_of_range",
        ),
        ([{"quantity": 1, "format": "PRINT"}], {}, "lines[0].condition", "required_for_print"),
        ([{"quantity": 1, "format": "DIGITAL"}], {}, "licence", "required_for_digital"),
        (
            [{"quantity": 1, "format": "PRINT", "condition": "NEW"}],
            {"expiresAt": "2020-01-01T00:00:00+00:00"},
            "expiresAt",
            "in_the_past",
        ),
        ([], {}, "lines", "required"),
    ],
)
async def test_bad_offers_are_validation_errors(
    client: Any,
    world: World,
    runtime: Runtime,
    lines: list[dict[str, Any]],
    extra: dict[str, Any],
    field: str,
    code: str,
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra")
    for line in lines:
        line["workId"] = algebra
    body = await gql(
        client,
        operation("CreateOffer"),
        {"input": {"partnerId": world.donor, "lines": lines, "expiresAt": later(), **extra}},
        world.tokens["donor_librarian"],
    )
    result = body["data"]["createOffer"]
    assert result["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [(field, code)]


async def test_claim_release_and_cancel_return_quantities(
    client: Any, world: World, runtime: Runtime
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra")
    offer = await open_offer(client, world, [print_line(algebra, 4)])
    request = await post_request(client, world, [{"workId": algebra, "quantity": 4}])
    offer_line, request_line = offer["lines"][0]["id"], request["lines"][0]["id"]
    librarian = world.tokens["librarian"]
    claim = await gql(
        client,
        operation("Allocate"),
        {"input": {"offerLineId": offer_line, "requestLineId": request_line, "quantity": 3}},
        librarian,
    )
    allocation = claim["data"]["allocate"]
    assert allocation["__typename"] == "Allocation"
    released = await gql(
        client, operation("ReleaseAllocation"), {"id": allocation["id"]}, librarian
    )
    assert released["data"]["releaseAllocation"]["state"] == "RELEASED"
    again = await gql(
        client,
        operation("Allocate"),
        {"input": {"offerLineId": offer_line, "requestLineId": request_line, "quantity": 4}},
        librarian,
    )
    assert again["data"]["allocate"]["__typename"] == "Allocation"
    cancelled = await gql(client, operation("CancelRequest"), {"id": request["id"]}, librarian)
    assert cancelled["data"]["cancelRequest"] == {
        "__typename": "Request",
        "id": request["id"],
        "state": "CANCELLED",
        "lines": [{"allocated": 0}],
    }
    offers_now = await gql(client, operation("Offers"), {}, world.tokens["coordinator"])
    assert offers_now["data"]["offers"]["nodes"][0]["lines"][0]["allocated"] == 0
    allocations = await gql(
        client,
        operation("Allocations"),
        {"filter": {"offerLineId": offer_line}},
        world.tokens["coordinator"],
    )
    assert [a["state"] for a in allocations["data"]["allocations"]["nodes"]] == [
        "RELEASED",
        "CANCELLED",
    ]


async def test_withdrawn_offer_cannot_be_allocated(
    client: Any, world: World, runtime: Runtime
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra")
    offer = await open_offer(client, world, [print_line(algebra, 4)])
    request = await post_request(client, world, [{"workId": algebra, "quantity": 1}])
    withdrawn = await gql(
        client, operation("WithdrawOffer"), {"id": offer["id"]}, world.tokens["donor_librarian"]
    )
    assert withdrawn["data"]["withdrawOffer"]["state"] == "WITHDRAWN"
    again = await gql(
        client, operation("CloseOffer"), {"id": offer["id"]}, world.tokens["donor_librarian"]
    )
    assert again["data"]["closeOffer"]["__typename"] == "Conflict"
    before = await db_state(runtime)
    body = await gql(
        client,
        operation("Allocate"),
        {
            "input": {
                "offerLineId": offer["lines"][0]["id"],
                "requestLineId": request["lines"][0]["id"],
                "quantity": 1,
            }
        },
        world.tokens["coordinator"],
    )
    assert body["data"]["allocate"] == {
        "__typename": "Conflict",
        "message": "the offer is withdrawn",
        "existingId": offer["id"],
    }
    assert await db_state(runtime) == before


async def test_anonymous_visitors_do_not_see_the_exchange(client: Any, world: World) -> None:
    body = await gql(client, operation("Offers"))
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "permission_denied"
