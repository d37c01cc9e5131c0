"""Hostile documents (issue 11, item 1): refused by limits that cost O(size of document)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from exchange.api.guard import measure
from exchange.api.guard.measure import Limits, Refused
from exchange.api.schema import build
from exchange.app import create_app
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World, gql

SCHEMA = build(Settings())._schema
LIMITS = Limits(max_depth=12, max_aliases=30, max_cost=50_000)
UNLIMITED = Limits(max_depth=100, max_aliases=10**6, max_cost=2**200)


def unlimited(text: str, variables: dict[str, Any] | None = None) -> measure.Measure:
    """The measure of a document's first operation, with no limit to stop the walk."""
    document = parse(text)
    walker = measure._Walker(SCHEMA, document, variables or {}, UNLIMITED)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return walker.selections(operation.selection_set, SCHEMA.query_type, None)


def doubling(fragments: int) -> str:
    """``fragments`` named fragments, each spreading the next one twice (2**n fields)."""
    parts = ["query Q { viewer { ...F0 } }"]
    for i in range(fragments):
        body = f"...F{i + 1} ...F{i + 1}" if i < fragments - 1 else "anonymous"
        parts.append(f"fragment F{i} on Viewer {{ {body} }}")
    return "\n".join(parts)


@pytest.mark.parametrize("fragments", [21, 30])
async def test_fragment_doubling_is_refused_by_cost(
    client: Any, world: World, fragments: int
) -> None:
    body = await gql(client, doubling(fragments))
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY"}
    assert error["message"] == "the query would cost over 50000"
    # what it would have cost: viewer (1) + 2**(fragments - 1) times the last fragment's field
    assert unlimited(doubling(fragments)).cost == 1 + 2 ** (fragments - 1)


async def test_health_answers_while_fragment_doubling_is_refused(client: Any, world: World) -> None:
    attacks = [asyncio.create_task(gql(client, doubling(30))) for _ in range(4)]
    health = await client.get("/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    for body in await asyncio.gather(*attacks):
        assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY"}


def test_each_fragment_is_measured_once() -> None:
    document = parse(doubling(30))
    walker = measure._Walker(SCHEMA, document, {}, UNLIMITED)
    assert walker.fragment("F0", None).cost == 2**29
    assert sorted(walker.done) == sorted((f"F{i}", None) for i in range(30))


async def test_fragment_cycles_are_refused(client: Any, world: World) -> None:
    document = (
        "query { viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }"
    )
    body = await gql(client, document)
    assert body == {
        "data": None,
        "errors": [
            {"message": "fragment A spreads itself", "extensions": {"code": "FRAGMENT_CYCLE"}}
        ],
    }


async def test_page_size_multiplies_nested_cost(
    settings: Settings, runtime: Runtime, world: World
) -> None:
    """EXCHANGE_MAX_COST=10000; ``first`` comes from a variable."""
    document = (
        "query($n: Int) { offers(first: $n) { nodes { id lines { id work { id titles { value } "
        "identifiers { value } } } } } }"
    )
    work = 1 + (1 + (1 + 10) + (1 + 10))  # titles and identifiers: lists of ~10
    line = 1 + work
    offer = 1 + (1 + 10 * line)  # lines: a list of ~10
    app = create_app(dataclasses.replace(settings, max_cost=10_000), runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = await gql(client, document, {"n": 100}, token=world.tokens["admin"])
        assert body == {
            "data": None,
            "errors": [
                {
                    "message": "the query would cost over 10000",
                    "extensions": {"code": "QUERY_TOO_COSTLY"},
                }
            ],
        }
        assert unlimited(document, {"n": 100}).cost == 1 + 1 + 100 * offer == 25_202
        small = await gql(client, document, {"n": 5}, token=world.tokens["admin"])
        assert small == {"data": {"offers": {"nodes": []}}}


def test_cost_limit_is_configurable() -> None:
    document = parse("{ partners(first: 50) { nodes { id tags } } }")
    measure.check(SCHEMA, document, {}, LIMITS)
    with pytest.raises(Refused) as refused:
        measure.check(SCHEMA, document, {}, Limits(12, 30, max_cost=100))
    assert (refused.value.code, refused.value.message) == (
        "QUERY_TOO_COSTLY",
        "the query would cost over 100",
    )
    assert unlimited("{ partners(first: 50) { nodes { id tags } } }").cost == 1 + 1 + 50 * 2


async def test_repeated_fields_and_directive_floods_are_refused(client: Any, world: World) -> None:
    repeated = "{ " + " ".join(["viewer { anonymous }"] * 200) + " }"
    body = await gql(client, repeated)
    assert body["errors"] == [
        {
            "message": "viewer is selected more than 10 times in one place",
            "extensions": {"code": "QUERY_TOO_COMPLEX"},
        }
    ]
    spreads = (
        "{ viewer { "
        + " ".join(f"...F{i}" for i in range(31))
        + " } } "
        + " ".join(f"fragment F{i} on Viewer {{ anonymous }}" for i in range(31))
    )
    body = await gql(client, spreads)
    assert body["errors"] == [
        {
            "message": "more than 30 fragments are spread in one place",
            "extensions": {"code": "QUERY_TOO_COMPLEX"},
        }
    ]
    directives = "{ viewer { anonymous " + "@include(if: true) " * 60 + "} }"
    body = await gql(client, directives)
    assert body["errors"] == [
        {
            "message": "the query has 60 directives; at most 50",
            "extensions": {"code": "QUERY_TOO_COMPLEX"},
        }
    ]


async def test_token_limit_and_syntax_errors_are_client_errors(client: Any, world: World) -> None:
    huge = "{ " + " ".join(f"a{i}: __typename" for i in range(1500)) + " }"
    body = await gql(client, huge)
    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."
    )
    body = await gql(client, "{ viewer { ")
    assert body["errors"][0]["message"].startswith("Syntax Error: Expected Name, found <EOF>.")


async def test_a_query_text_longer_than_its_tokens_allow_is_refused_unread(
    client: Any, world: World
) -> None:
    padded = "{ viewer { anonymous } }" + " " * 32_000
    body = await gql(client, padded)
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "the query is over 32000 characters",
                "extensions": {"code": "QUERY_TOO_LARGE"},
            }
        ],
    }
    accepted = await gql(client, "{ viewer { anonymous } }" + " " * 31_000)
    assert accepted == {"data": {"viewer": {"anonymous": True}}}


async def test_graphiqls_own_introspection_query_is_answered(client: Any) -> None:
    """The standard introspection query (what GraphiQL sends to build its docs) is 13
    levels deep; introspection reads the schema, so it adds no depth."""
    from graphql import get_introspection_query

    response = await client.post("/graphql", json={"query": get_introspection_query()})
    body = response.json()
    assert "errors" not in body, body.get("errors")
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
