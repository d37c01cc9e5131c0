"""Client errors log one line at INFO; real faults log their traceback (issue 11, item 13)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa

from exchange.runtime import Runtime
from tests.conftest import World, gql


async def test_a_client_error_is_one_line_at_info(
    client: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = await gql(client, "{ partners(first: 0) { nodes { id } } }")
    assert body["errors"][0]["message"] == "first: first must be between 1 and 100"
    records = [r for r in caplog.records if r.name.startswith(("exchange", "strawberry"))]
    assert [(r.name, r.levelname, r.getMessage(), r.exc_info) for r in records] == [
        (
            "exchange.api",
            "INFO",
            "client error at partners: first: first must be between 1 and 100",
            None,
        )
    ]


async def test_a_refused_query_is_one_line_at_info(
    client: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await gql(client, "{ viewer { nope } }")
    records = [r for r in caplog.records if r.name.startswith(("exchange", "strawberry"))]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("INFO", "client error at -: Cannot query field 'nope' on type 'Viewer'.")
    ]


async def test_a_real_fault_is_logged_with_its_traceback(
    client: Any, runtime: Runtime, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with runtime.db.unit_of_work() as uow:
        await uow.session.exec(sa.text("ALTER TABLE seminar RENAME TO seminar_gone"))  # type: ignore[call-overload]
    caplog.set_level(logging.INFO)
    response = await client.post(
        "/graphql", json={"query": "{ seminars { nodes { id } } }"}, headers={"X-Request-Id": "r-9"}
    )
    assert response.json()["errors"][0] == {
        "message": "unexpected error",
        "locations": [{"line": 1, "column": 3}],
        "path": ["seminars"],
        "extensions": {"code": "internal", "requestId": "r-9"},
    }
    records = [r for r in caplog.records if r.name.startswith(("exchange", "strawberry"))]
    assert [(r.name, r.levelname, r.getMessage()) for r in records] == [
        ("exchange.api", "ERROR", "request r-9: unexpected error at ['seminars']")
    ]
    assert records[0].exc_info is not None


async def test_a_fault_outside_an_operation_is_a_json_500(
    settings: Any, runtime: Runtime, world: World
) -> None:
    import httpx

    from exchange.app import create_app

    async with runtime.db.unit_of_work() as uow:
        await uow.session.exec(sa.text("ALTER TABLE token RENAME TO token_gone"))  # type: ignore[call-overload]
    transport = httpx.ASGITransport(app=create_app(settings, runtime), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ viewer { anonymous } }"},
            headers={"Authorization": f"Bearer {world.tokens['admin']}"},
        )
    assert (response.status_code, response.headers["content-type"]) == (500, "application/json")
    assert response.json() == {
        "errors": [{"message": "unexpected error", "extensions": {"code": "internal"}}]
    }
