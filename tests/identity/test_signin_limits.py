"""Failed sign-ins and token look-ups are limited, in the database (issue 11, item 11)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa

from exchange.app import create_app
from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM
from exchange.ratelimits import service as ratelimits_service
from exchange.runtime import Runtime
from exchange.settings import Settings

LOGIN = (
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) "
    "{ __typename ... on RateLimited { retryAfterSeconds } ... on IssuedToken { token } } }"
)
PASSWORD = "correct horse battery"


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime with small limits: 3 per account, 5 per address, 4 token look-ups."""
    runtime = Runtime.start(
        dataclasses.replace(
            settings,
            sign_in_attempts_per_account=3,
            sign_in_attempts_per_address=5,
            token_failures_per_address=4,
            rate_limit_window_seconds=900,
        )
    )
    yield runtime
    await runtime.close()


@asynccontextmanager
async def serving(runtime: Runtime, address: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime)
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": LOGIN, "variables": {"e": email, "p": password}}
    )


async def make_account(runtime: Runtime, email: str) -> None:
    async with runtime.db.unit_of_work() as uow:
        await identity_service.create_account(
            SYSTEM,
            identity_service.AccountDraft(email, "Reader", PASSWORD),
            uow=uow,
            policy=runtime.policy,
        )


def typename(response: httpx.Response) -> str:
    name: str = response.json()["data"]["login"]["__typename"]
    return name


async def test_wrong_passwords_for_one_account_are_limited(limited: Runtime) -> None:
    await make_account(limited, "reader@example.org")
    async with serving(limited, "198.51.100.1") as client:
        for _ in range(3):
            response = await login(client, "reader@example.org", "wrong password")
            assert (response.status_code, typename(response)) == (200, "AuthenticationFailed")
        refused = await login(client, "Reader@Example.org", PASSWORD)  # even the right one
        assert refused.status_code == 429
        retry = int(refused.headers["retry-after"])
        assert 0 < retry <= 900
        assert refused.json() == {
            "data": {"login": {"__typename": "RateLimited", "retryAfterSeconds": retry}}
        }
    async with serving(limited, "198.51.100.2") as elsewhere:
        # the account is limited from every address
        assert (await login(elsewhere, "reader@example.org", PASSWORD)).status_code == 429


async def test_failed_sign_ins_from_one_address_are_limited(limited: Runtime) -> None:
    await make_account(limited, "other@example.org")
    async with serving(limited, "198.51.100.7") as client:
        for i in range(5):
            assert (
                typename(await login(client, f"nobody{i}@example.org", "x"))
                == "AuthenticationFailed"
            )
        assert (await login(client, "other@example.org", PASSWORD)).status_code == 429
    async with serving(limited, "198.51.100.8") as elsewhere:
        assert typename(await login(elsewhere, "other@example.org", PASSWORD)) == "IssuedToken"


async def test_failed_token_lookups_from_one_address_are_limited(limited: Runtime) -> None:
    await make_account(limited, "token@example.org")
    async with serving(limited, "203.0.113.9") as client:
        issued = await login(client, "token@example.org", PASSWORD)
        good = {"Authorization": "Bearer " + issued.json()["data"]["login"]["token"]}
        query = {"query": "{ viewer { anonymous } }"}
        for i in range(4):
            bad = {"Authorization": f"Bearer sx_guess{i}"}
            assert (await client.post("/graphql", json=query, headers=bad)).status_code == 401
        refused = await client.post(
            "/graphql", json=query, headers={"Authorization": "Bearer sx_guess5"}
        )
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 900
        assert refused.json() == {
            "errors": [
                {
                    "message": "too many failed attempts; retry later",
                    "extensions": {"code": "RATE_LIMITED"},
                }
            ]
        }
        # a valid token is never refused: the limit is on failures
        ok = await client.post("/graphql", json=query, headers=good)
        assert ok.json() == {"data": {"viewer": {"anonymous": False}}}
    async with serving(limited, "203.0.113.10") as elsewhere:
        bad = {"Authorization": "Bearer sx_guess6"}
        assert (await elsewhere.post("/graphql", json=query, headers=bad)).status_code == 401


async def test_processes_share_the_counts(limited: Runtime) -> None:
    """Two runtimes (engines, pools) on one database stand for two processes."""
    await make_account(limited, "shared@example.org")
    second = Runtime.start(limited.settings)
    try:
        async with (
            serving(limited, "192.0.2.1") as one,
            serving(second, "192.0.2.1") as two,
        ):
            results = await asyncio.gather(
                *(login(c, "shared@example.org", "wrong") for c in (one, two, one))
            )
            assert [typename(r) for r in results] == ["AuthenticationFailed"] * 3
            assert (await login(two, "shared@example.org", PASSWORD)).status_code == 429
    finally:
        await second.close()
    async with limited.db.read() as session:
        statement = sa.text("SELECT key, count FROM rate_counter ORDER BY key")
        rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    assert sorted(count for _, count in rows) == [3, 3]
    assert all("shared@example.org" not in key and "192.0.2.1" not in key for key, _ in rows)


async def test_a_new_window_allows_attempts_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window is counted by the rate limiter's clock; it is moved by hand, so a slow,
    # loaded machine cannot end the window between the two attempts that must share it.
    moment = [1_900_000_000]
    monkeypatch.setattr(ratelimits_service, "_now", lambda: moment[0])
    short = Runtime.start(
        dataclasses.replace(settings, sign_in_attempts_per_account=1, rate_limit_window_seconds=60)
    )
    try:
        await make_account(short, "patient@example.org")
        async with serving(short, "192.0.2.50") as client:
            wrong = await login(client, "patient@example.org", "wrong")
            assert typename(wrong) == "AuthenticationFailed"
            moment[0] += 59  # still inside the window
            assert (await login(client, "patient@example.org", PASSWORD)).status_code == 429
            moment[0] += 1  # the window has ended
            right = await login(client, "patient@example.org", PASSWORD)
            assert typename(right) == "IssuedToken"
    finally:
        await short.close()
