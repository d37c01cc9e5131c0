"""The exported schema, the operation documents, and the protective limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate

from exchange.api.schema import build
from exchange.settings import Settings
from tests.conftest import OPERATIONS, World, gql

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def test_exported_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text("utf-8") == build(Settings()).as_str() + "\n", (
        "graphql/schema.graphql is stale: run `exchange schema export`"
    )


@pytest.mark.parametrize("path", sorted(OPERATIONS.glob("*.graphql")), ids=lambda p: p.stem)
def test_operation_documents_are_valid(path: Path) -> None:
    schema = build(Settings())._schema
    assert validate(schema, parse(path.read_text("utf-8"))) == []


def test_graphql_folder_is_not_a_python_package() -> None:
    assert not (SCHEMA_FILE.parent / "__init__.py").exists()


async def test_deep_queries_are_refused(client: Any, world: World) -> None:
    nested = "members { partner { " * 7 + "id" + " } }" * 7
    body = await gql(
        client, f'{{ partner(id: "{world.national}") {{ {nested} }} }}', token=world.tokens["admin"]
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_DEEP"}
    assert body["errors"][0]["message"] == "the query is over 12 deep"


async def test_alias_floods_are_refused(client: Any, world: World) -> None:
    aliases = " ".join(f"a{i}: viewer {{ anonymous }}" for i in range(40))
    body = await gql(client, f"{{ {aliases} }}")
    assert body["errors"][0]["extensions"] == {"code": "TOO_MANY_ALIASES"}
    assert body["errors"][0]["message"] == "the query has over 30 aliases"


async def test_unexpected_errors_are_masked_with_a_request_id(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exchange.partners import service

    async def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(service, "list", explode)
    response = await client.post(
        "/graphql",
        json={"query": "{ partners { nodes { id } } }"},
        headers={"X-Request-Id": "req-42"},
    )
    error = response.json()["errors"][0]
    assert error["message"] == "unexpected error"
    assert error["extensions"] == {"code": "internal", "requestId": "req-42"}
    assert "hunter2" not in response.text


async def test_graphiql_is_served_and_can_be_switched_off(
    client: Any, tmp_path: Path, database_url: str
) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()

    import httpx

    from exchange.app import create_app
    from exchange.runtime import Runtime

    settings = Settings(
        data_dir=tmp_path / "prod", database_url=database_url, graphiql=False, introspection=False
    )
    runtime = Runtime.start(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as prod:
            page = await prod.get("/graphql", headers={"Accept": "text/html"})
            assert page.status_code == 404
            body = (
                await prod.post("/graphql", json={"query": "{ __schema { types { name } } }"})
            ).json()
            assert body["data"] is None
            assert "introspection has been disabled" in body["errors"][0]["message"]
    finally:
        await runtime.close()
