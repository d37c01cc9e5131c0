"""The ``DateTime`` scalar refuses what is not an instant in words a client can act on,
whether the value comes as a literal or as a variable, and never with the parser's own
message (``invalid literal for int() with base 10``, ``month must be in 1..12``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from exchange.runtime import Runtime
from tests.conftest import World, db_state

FORM = 'give an ISO 8601 date and time with its offset, e.g. "2026-05-01T09:30:00Z".'
BY_VARIABLE = """mutation($at: DateTime!) { createOffer(input: {lines: [], expiresAt: $at}) {
  __typename } }"""


def refusal(shown: str) -> str:
    return f'"{shown}" is not a DateTime: {FORM}'


async def post(client: httpx.AsyncClient, world: World, body: dict[str, Any]) -> dict[str, Any]:
    token = world.tokens["donor_librarian"]
    response = await client.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


@pytest.mark.parametrize("value", ["not a date", "2026-13-45T00:00:00Z", "", "2026-05-01T25:00Z"])
async def test_a_bad_date_time_literal_is_refused_naming_the_form(
    client: httpx.AsyncClient, runtime: Runtime, world: World, value: str
) -> None:
    before = await db_state(runtime)
    document = (
        f'mutation {{ createOffer(input: {{lines: [], expiresAt: "{value}"}}) {{ __typename }} }}'
    )
    body = await post(client, world, {"query": document})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == refusal(value)
    assert await db_state(runtime) == before


@pytest.mark.parametrize(
    ("value", "shown"), [("2026-13-45", "2026-13-45"), ("tomorrow", "tomorrow"), (12, "12")]
)
async def test_a_bad_date_time_variable_is_refused_naming_the_form(
    client: httpx.AsyncClient, runtime: Runtime, world: World, value: object, shown: str
) -> None:
    before = await db_state(runtime)
    body = await post(client, world, {"query": BY_VARIABLE, "variables": {"at": value}})
    assert body == {
        "data": None,
        "errors": [
            {
                "message": f"Variable '$at' has invalid value: {refusal(shown)}",
                "locations": [{"line": 1, "column": 10}],
            }
        ],
    }
    assert await db_state(runtime) == before


async def test_a_date_time_with_an_offset_is_read_as_that_instant(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await post(
        client, world, {"query": BY_VARIABLE, "variables": {"at": "2999-05-01T09:30:00+09:00"}}
    )
    # parsed, so the domain's own rules speak: an offer has at least one line
    assert body == {"data": {"createOffer": {"__typename": "ValidationError"}}}
