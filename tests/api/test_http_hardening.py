"""Bodies, malformed JSON, security headers and the Host header (issue 11, items 2, 3, 12)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from exchange import clock
from exchange.app import create_app
from exchange.errors import ValidationFailed
from exchange.http.headers import STRICT
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World, db_state, gql, operation

BAD_JSON = {
    "errors": [
        {"message": "the request body is not valid JSON", "extensions": {"code": "BAD_REQUEST"}}
    ]
}


def too_large(limit: int) -> dict[str, Any]:
    message = f"the request body is over {limit} bytes"
    return {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}


async def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(client: Any) -> None:
    body = b'{"query": "{ viewer { anonymous } }", "x": "' + b" " * (1 << 20) + b'"}'
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (413, too_large(1 << 20))


async def test_a_streamed_body_is_cut_off_at_the_limit(
    settings: Settings, runtime: Runtime
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ viewer { anonymous } }", "x": "'
        for _ in range(1000):
            sent += 1
            yield b" " * 1024
        yield b'"}'

    app = create_app(dataclasses.replace(settings, max_body_bytes=64 * 1024), runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert (response.status_code, response.json()) == (413, too_large(64 * 1024))
        assert "content-length" not in response.request.headers  # chunked, no declared size
        small = await client.post("/graphql", json={"query": "{ viewer { anonymous } }"})
        assert small.json() == {"data": {"viewer": {"anonymous": True}}}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"[" * 5000 + b"]" * 5000, BAD_JSON, id="nested-5000"),
        pytest.param(b'{"query": "{ viewer { anonymous } }\xff\xfe"}', BAD_JSON, id="invalid-utf8"),
        pytest.param(b"query { viewer { anonymous } }", BAD_JSON, id="not-json"),
        pytest.param(
            b"42",
            {
                "errors": [
                    {
                        "message": "the request body must be a JSON object",
                        "extensions": {"code": "BAD_REQUEST"},
                    }
                ]
            },
            id="bare-value",
        ),
    ],
)
async def test_malformed_bodies_get_a_graphql_shaped_400(
    client: Any, body: bytes, expected: dict[str, Any]
) -> None:
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected


async def test_other_refusals_of_the_endpoint_are_graphql_shaped(client: Any) -> None:
    response = await client.post("/graphql", content=b"x", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {"message": "Unsupported content type", "extensions": {"code": "BAD_REQUEST"}}
            ]
        },
    )


def print_line(work: str) -> dict[str, Any]:
    return {"workId": work, "quantity": 1, "format": "PRINT", "condition": "GOOD"}


async def test_offers_and_requests_hold_at_most_500_lines(
    client: Any, runtime: Runtime, world: World
) -> None:
    work = str(uuid.uuid4())
    before = await db_state(runtime)
    later = (clock.now() + timedelta(days=30)).isoformat()
    offer = {"partnerId": world.donor, "lines": [print_line(work)] * 501, "expiresAt": later}
    body = await gql(
        client, operation("CreateOffer"), {"input": offer}, world.tokens["donor_librarian"]
    )
    assert body["data"]["createOffer"]["__typename"] == "ValidationError"
    assert body["data"]["createOffer"]["fields"] == [
        {"field": "lines", "code": "too_many", "message": "at most 500 lines"}
    ]
    request = {"partnerId": world.national, "lines": [{"workId": work, "quantity": 1}] * 501}
    body = await gql(
        client, operation("CreateRequest"), {"input": request}, world.tokens["librarian"]
    )
    assert body["data"]["createRequest"]["fields"] == [
        {"field": "lines", "code": "too_many", "message": "at most 500 lines"}
    ]
    assert await db_state(runtime) == before


@pytest.mark.parametrize(
    "path", ["/graphql", "/health", "/", "/static/site.css", "/oai?verb=Identify", "/nowhere"]
)
async def test_every_response_carries_the_security_headers(client: Any, path: str) -> None:
    if path == "/graphql":
        response = await client.post(path, json={"query": "{ viewer { anonymous } }"})
    else:
        response = await client.get(path)
    assert {
        name: response.headers.get(name)
        for name in (
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
        )
    } == {
        "content-security-policy": STRICT,
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
    }
    assert "'unsafe-inline'" not in STRICT
    assert "frame-ancestors 'none'" in STRICT


async def test_graphiql_runs_only_this_instances_scripts(client: Any) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    policy = page.headers["content-security-policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert script_src == "script-src 'self'"
    assert "http" not in policy  # no other origin, no CDN
    assert "<script>" not in page.text
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"


async def test_the_host_header_is_never_reflected(client: Any, world: World) -> None:
    evil = {"Host": "evil.example"}
    page = await client.get("/", headers=evil)
    assert 'href="/static/site.css"' in page.text  # pages link by path
    assert "evil.example" not in page.text
    oai = await client.get("/oai?verb=Identify", headers=evil)
    assert "<baseURL>http://127.0.0.1:8000/oai</baseURL>" in oai.text
    assert "evil.example" not in oai.text


async def test_the_public_url_setting_makes_absolute_urls(
    settings: Settings, runtime: Runtime
) -> None:
    public = dataclasses.replace(settings, public_url="https://exchange.example.org/hub")
    public_runtime = Runtime.start(public)
    transport = httpx.ASGITransport(app=create_app(public, public_runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/", headers={"Host": "evil.example"})
        assert 'href="/static/site.css"' in page.text  # pages link by path, never by Host
        oai = await client.get("/oai?verb=Identify", headers={"Host": "evil.example"})
        assert "<baseURL>https://exchange.example.org/hub/oai</baseURL>" in oai.text
        assert "<adminEmail>catalogue@exchange.example.org</adminEmail>" in oai.text
    await public_runtime.close()


def test_settings_read_the_new_variables() -> None:
    settings = Settings.from_environ(
        {
            "EXCHANGE_PUBLIC_URL": "https://x.example/",
            "EXCHANGE_MAX_BODY_BYTES": "2048",
            "EXCHANGE_MAX_COST": "900",
            "EXCHANGE_SIGN_IN_ATTEMPTS_PER_ACCOUNT": "3",
            "EXCHANGE_SIGN_IN_ATTEMPTS_PER_ADDRESS": "4",
            "EXCHANGE_TOKEN_FAILURES_PER_ADDRESS": "5",
            "EXCHANGE_RATE_LIMIT_WINDOW_SECONDS": "60",
        }
    )
    assert (
        settings.public_url,
        settings.max_body_bytes,
        settings.max_cost,
        settings.sign_in_attempts_per_account,
        settings.sign_in_attempts_per_address,
        settings.token_failures_per_address,
        settings.rate_limit_window_seconds,
    ) == ("https://x.example", 2048, 900, 3, 4, 5, 60)
    assert Settings(host="192.0.2.7", port=9000).public_url == "http://192.0.2.7:9000"
    with pytest.raises(ValidationFailed, match="EXCHANGE_PUBLIC_URL must be an http"):
        Settings.from_environ({"EXCHANGE_PUBLIC_URL": "ftp://x"})
    assert json.dumps(too_large(1))  # the refusal body is plain JSON


async def test_transfer_urls_come_from_the_public_url(
    client: Any, runtime: Runtime, world: World
) -> None:
    from tests.api.test_objects import start_input
    from tests.objects.scene import PDF, build_scene

    scene = await build_scene(runtime, world)
    response = await client.post(
        "/graphql",
        json={"query": operation("StartUpload"), "variables": {"input": start_input(scene, PDF)}},
        headers={"Host": "evil.example", "Authorization": f"Bearer {scene.tokens['librarian']}"},
    )
    started = response.json()["data"]["startUpload"]
    assert started["__typename"] == "StartedUpload"
    assert started["url"].startswith("http://127.0.0.1:8000/storage/")
