"""A document with several operations runs the one the request names, and none when it
names none (GraphQL spec §6.1 GetOperation): Strawberry would have run the first."""

from __future__ import annotations

import httpx

from exchange.runtime import Runtime
from tests.conftest import World, db_state

READ = "query Partners { partners { nodes { id } } }"
WRITE = """mutation Register { createPartner(input: {names: [{lang: "en", value: "Twice"}],
  country: "FR", kind: PUBLISHER}) { __typename } }"""
TWO = f"{READ}\n{WRITE}"


async def post(client: httpx.AsyncClient, body: dict[str, object], token: str) -> httpx.Response:
    return await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})


async def test_two_operations_without_an_operation_name_are_refused_and_none_runs(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    before = await db_state(runtime)
    for document in (TWO, f"{WRITE}\n{READ}"):
        response = await post(client, {"query": document}, world.tokens["admin"])
        assert response.status_code == 200
        assert response.json() == {
            "data": None,
            "errors": [
                {
                    "message": "Must provide operation name if query contains multiple operations.",
                    "extensions": {"code": "OPERATION_NAME_REQUIRED"},
                }
            ],
        }
    assert await db_state(runtime) == before


async def test_the_named_operation_of_several_runs(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    token = world.tokens["admin"]
    before = await db_state(runtime)
    read = await post(client, {"query": TWO, "operationName": "Partners"}, token)
    assert read.json() == {
        "data": {"partners": {"nodes": [{"id": world.national}, {"id": world.donor}]}}
    }
    assert await db_state(runtime) == before
    written = await post(client, {"query": TWO, "operationName": "Register"}, token)
    assert written.json() == {"data": {"createPartner": {"__typename": "Partner"}}}
    assert len((await db_state(runtime))[0]) == len(before[0]) + 1


async def test_one_unnamed_operation_needs_no_name(client: httpx.AsyncClient, world: World) -> None:
    response = await post(client, {"query": "{ partners { nodes { id } } }"}, world.tokens["admin"])
    assert response.json() == {
        "data": {"partners": {"nodes": [{"id": world.national}, {"id": world.donor}]}}
    }
