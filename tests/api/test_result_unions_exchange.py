"""Each domain error a mutation's result union names comes back as its typed member: the
error paths of the seminar, work and allocation mutations that no other test reaches (see
``test_result_unions`` for identity, partners and requests). After each refusal nothing
has changed (partners, the audit head)."""

from __future__ import annotations

from typing import Any

from exchange.runtime import Runtime
from tests.api.test_exchange import make_work, open_offer, post_request, print_line
from tests.api.test_result_unions import MALFORMED, UNKNOWN, invalid_id, not_found, refused
from tests.api.test_works import TEXTBOOK, create
from tests.conftest import World, gql, operation

SEMINAR: dict[str, Any] = {
    "title": "Linear algebra seminar",
    "language": "en",
    "heldOn": "2025-05-14",
    "presenters": ["Han Myŏng-ok"],
}


async def test_create_seminar_names_an_unknown_host(
    client: Any, world: World, runtime: Runtime
) -> None:
    variables = {"input": {**SEMINAR, "hostPartnerId": UNKNOWN}}
    answer = await refused(client, runtime, "CreateSeminar", variables, world.tokens["admin"])
    assert answer == not_found("partner", UNKNOWN)


async def test_update_seminar_names_an_unknown_seminar_and_a_malformed_id(
    client: Any, world: World, runtime: Runtime
) -> None:
    admin = world.tokens["admin"]
    unknown = {"input": {"id": UNKNOWN, "title": "x"}}
    answer = await refused(client, runtime, "UpdateSeminar", unknown, admin)
    assert answer == not_found("seminar", UNKNOWN)
    malformed = {"input": {"id": "nope", "title": "x"}}
    assert await refused(client, runtime, "UpdateSeminar", malformed, admin) == MALFORMED


async def test_create_work_names_an_unknown_partner(
    client: Any, world: World, runtime: Runtime
) -> None:
    variables = {"input": {**TEXTBOOK, "partnerId": UNKNOWN}}
    answer = await refused(client, runtime, "CreateWork", variables, world.tokens["admin"])
    assert answer == not_found("partner", UNKNOWN)


async def test_update_work_refuses_bad_input_a_malformed_id_and_a_taken_identifier(
    client: Any, world: World, runtime: Runtime
) -> None:
    librarian = world.tokens["librarian"]
    first = await create(client, librarian)
    second = await create(client, librarian, identifiers=[])
    bad = {"input": {"id": second["id"], "language": "xx"}}
    assert await refused(client, runtime, "UpdateWork", bad, librarian) == {
        "__typename": "ValidationError",
        "message": "language: 'xx' is not ISO 639",
        "fields": [
            {"field": "language", "code": "unknown_language", "message": "'xx' is not ISO 639"}
        ],
    }
    malformed = {"input": {"id": "nope", "year": 2020}}
    assert await refused(client, runtime, "UpdateWork", malformed, librarian) == MALFORMED
    taken = {"input": {"id": second["id"], "identifiers": first["identifiers"]}}
    assert await refused(client, runtime, "UpdateWork", taken, librarian) == {
        "__typename": "Conflict",
        "message": f"isbn 9780306406157 already identifies work {first['id']}",
        "existingId": first["id"],
    }


async def test_allocate_names_an_unknown_line_and_a_malformed_id(
    client: Any, world: World, runtime: Runtime
) -> None:
    algebra = await make_work(runtime, world, "Linear Algebra")
    request = await post_request(client, world, [{"workId": algebra, "quantity": 1}])
    request_line = request["lines"][0]["id"]
    coordinator = world.tokens["coordinator"]
    unknown = {"input": {"offerLineId": UNKNOWN, "requestLineId": request_line, "quantity": 1}}
    answer = await refused(client, runtime, "Allocate", unknown, coordinator)
    assert answer == not_found("offer line", UNKNOWN)
    malformed = {"input": {"offerLineId": "nope", "requestLineId": request_line, "quantity": 1}}
    answer = await refused(client, runtime, "Allocate", malformed, coordinator)
    assert answer == invalid_id("offerLineId")


async def test_release_names_an_unknown_allocation_a_malformed_id_and_a_second_release(
    client: Any, world: World, runtime: Runtime
) -> None:
    coordinator = world.tokens["coordinator"]
    unknown = await refused(client, runtime, "ReleaseAllocation", {"id": UNKNOWN}, coordinator)
    assert unknown == not_found("allocation", UNKNOWN)
    malformed = await refused(client, runtime, "ReleaseAllocation", {"id": "nope"}, coordinator)
    assert malformed == MALFORMED
    algebra = await make_work(runtime, world, "Linear Algebra")
    offer = await open_offer(client, world, [print_line(algebra, 2)])
    request = await post_request(client, world, [{"workId": algebra, "quantity": 1}])
    lines = {"offerLineId": offer["lines"][0]["id"], "requestLineId": request["lines"][0]["id"]}
    claim = await gql(
        client, operation("Allocate"), {"input": {**lines, "quantity": 1}}, coordinator
    )
    allocation = claim["data"]["allocate"]["id"]
    released = await gql(client, operation("ReleaseAllocation"), {"id": allocation}, coordinator)
    assert released["data"]["releaseAllocation"]["state"] == "RELEASED"
    again = await refused(client, runtime, "ReleaseAllocation", {"id": allocation}, coordinator)
    assert again == {
        "__typename": "Conflict",
        "message": "the allocation is no longer active",
        "existingId": allocation,
    }
