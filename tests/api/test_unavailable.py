"""A database that cannot be reached answers 503 with ``Retry-After`` (issue 11, item 10)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio import to_thread

from exchange.app import create_app
from exchange.db import migrate
from exchange.identity import service as identity_service
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.servers.pg_cluster import private_cluster
from tests.servers.web import free_port

UNAVAILABLE = {
    "errors": [
        {
            "message": "the database cannot be reached; retry later",
            "extensions": {"code": "UNAVAILABLE"},
        }
    ]
}
VIEWER = {"query": "{ viewer { anonymous account { email } } }"}
PARTNERS = {"query": "{ partners { nodes { id } } }"}
LOGIN = {"query": 'mutation { login(email: "a@example.org", password: "x") { __typename } }'}


@pytest.fixture(params=["sqlite", "postgres"])
async def gone(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A service whose database is out of reach: a SQLite file whose directory vanished
    before the first connection, or a PostgreSQL port nobody listens on."""
    if request.param == "sqlite":
        folder = tmp_path / "db"
        url = f"sqlite+aiosqlite:///{folder / 'exchange.sqlite3'}"
    else:
        url = f"postgresql+asyncpg://exchange@127.0.0.1:{free_port()}/exchange"
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    runtime = Runtime.start(settings)
    if request.param == "sqlite":
        shutil.rmtree(folder)
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await runtime.close()


def assert_unavailable(response: httpx.Response, executed: bool = False) -> None:
    """``executed``: the operation ran (so the body has ``data: null`` as well)."""
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == ({"data": None, **UNAVAILABLE} if executed else UNAVAILABLE)


async def test_every_route_answers_503_when_the_database_is_gone(gone: httpx.AsyncClient) -> None:
    bearer = {"Authorization": "Bearer sx_" + "a" * 43}
    assert_unavailable(await gone.post("/graphql", json=VIEWER, headers=bearer))  # token look-up
    assert_unavailable(
        await gone.post("/graphql", json=PARTNERS), executed=True
    )  # a query resolver
    assert_unavailable(await gone.post("/graphql", json=LOGIN), executed=True)  # a mutation
    assert_unavailable(await gone.get("/health"))
    assert_unavailable(await gone.get("/"))
    assert_unavailable(await gone.get("/oai?verb=ListRecords&metadataPrefix=oai_dc"))


@pytest.mark.skipif(
    bool(os.environ.get("EXCHANGE_TEST_POSTGRES_URL")), reason="needs a server it may stop"
)
async def test_postgresql_stopped_and_started_again(tmp_path: Path) -> None:
    with private_cluster(tmp_path / "pg") as cluster:
        await to_thread.run_sync(migrate.upgrade, cluster.url)
        settings = Settings(data_dir=tmp_path / "data", database_url=cluster.url)
        runtime = Runtime.start(settings)
        try:
            async with runtime.db.unit_of_work() as uow:
                account = await identity_service.create_account(
                    SYSTEM,
                    identity_service.AccountDraft("reader@example.org", "Reader"),
                    uow=uow,
                    policy=runtime.policy,
                )
                _, secret = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
            bearer = {"Authorization": f"Bearer {secret}"}
            transport = httpx.ASGITransport(app=create_app(settings, runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                signed_in: dict[str, Any] = {
                    "data": {
                        "viewer": {"anonymous": False, "account": {"email": "reader@example.org"}}
                    }
                }
                assert (
                    await client.post("/graphql", json=VIEWER, headers=bearer)
                ).json() == signed_in
                assert (await client.get("/health")).status_code == 200

                cluster.stop()
                assert_unavailable(await client.post("/graphql", json=VIEWER, headers=bearer))
                assert_unavailable(await client.post("/graphql", json=PARTNERS), executed=True)
                assert_unavailable(await client.get("/health"))

                cluster.start()
                assert (await client.get("/health")).json() == {"status": "ok"}
                assert (
                    await client.post("/graphql", json=VIEWER, headers=bearer)
                ).json() == signed_in
        finally:
            await runtime.close()
