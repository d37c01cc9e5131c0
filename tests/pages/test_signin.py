"""Signing in to the pages: sessions in cookies, CSRF on every form, Korean and English."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from exchange import clock
from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM, Role
from exchange.runtime import Runtime
from tests.conftest import World

PASSWORD = "correct horse battery staple"


@pytest.fixture
async def librarian(runtime: Runtime, world: World) -> str:
    """A librarian of the national library, with a password."""
    async with runtime.db.unit_of_work() as uow:
        account = await identity_service.create_account(
            SYSTEM,
            identity_service.AccountDraft("kim@example.org", "Kim", PASSWORD),
            uow=uow,
            policy=runtime.policy,
        )
        await identity_service.add_membership(
            SYSTEM,
            account.id,
            uuid.UUID(world.national),
            Role.LIBRARIAN,
            uow=uow,
            policy=runtime.policy,
        )
    return "kim@example.org"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def _sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    form = await client.get("/signin")
    presession = _hidden(form.text, "presession")
    return await client.post(
        "/signin", data={"email": email, "password": password, "presession": presession}
    )


async def _count(runtime: Runtime, table: str) -> int:
    async with runtime.db.read() as session:
        connection = await session.connection()
        return int(
            (await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()
        )


async def test_librarian_signs_in_lands_on_dashboard_and_signs_out(
    client: httpx.AsyncClient, runtime: Runtime, librarian: str
) -> None:
    response = await _sign_in(client, librarian, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    assert "sx_session=ws_" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over plain HTTP here

    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Signed in as Kim." in dashboard.text
    assert 'lang="ko-Hang">인민대학습당</span>' in dashboard.text

    csrf = _hidden(dashboard.text, "csrf")
    out = await client.post("/signout", data={"csrf": csrf})
    assert out.status_code == 303
    assert await _count(runtime, "web_session WHERE revoked_at IS NOT NULL") == 1
    # The old cookie, replayed, no longer signs anyone in.
    client.cookies.clear()
    secret = cookie.split("sx_session=")[1].split(";")[0]
    client.cookies.set("sx_session", secret)
    again = await client.get("/dashboard")
    assert again.status_code == 303
    assert again.headers["location"] == "/signin?next=/dashboard"


async def test_wrong_password_keeps_the_email_and_starts_no_session(
    client: httpx.AsyncClient, runtime: Runtime, librarian: str
) -> None:
    response = await _sign_in(client, librarian, "wrong")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert f'value="{librarian}"' in response.text
    assert await _count(runtime, "web_session") == 0


async def test_sign_in_without_the_forms_token_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, librarian: str
) -> None:
    response = await client.post(
        "/signin", data={"email": librarian, "password": PASSWORD, "presession": "forged"}
    )
    assert response.status_code == 401
    assert "The form expired." in response.text
    assert await _count(runtime, "web_session") == 0


async def test_sign_out_without_csrf_token_changes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, librarian: str
) -> None:
    await _sign_in(client, librarian, PASSWORD)
    head_before = await _count(runtime, "audit_event")
    response = await client.post("/signout", data={"csrf": "0" * 64})
    assert response.status_code == 403
    assert (await client.get("/dashboard")).status_code == 200
    assert await _count(runtime, "audit_event") == head_before


async def test_idle_session_expires(
    client: httpx.AsyncClient, runtime: Runtime, librarian: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sign_in(client, librarian, PASSWORD)
    assert (await client.get("/dashboard")).status_code == 200
    later = clock.now() + timedelta(minutes=runtime.settings.session_idle_minutes + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert (await client.get("/dashboard")).status_code == 303


async def test_next_never_leaves_the_instance(client: httpx.AsyncClient, librarian: str) -> None:
    form = await client.get("/signin?next=//evil.example/")
    presession = _hidden(form.text, "presession")
    response = await client.post(
        "/signin",
        data={
            "email": librarian,
            "password": PASSWORD,
            "presession": presession,
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/dashboard"


async def test_pages_speak_korean_from_accept_language_and_the_switch(
    client: httpx.AsyncClient, world: World
) -> None:
    korean = await client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert '<html lang="ko">' in korean.text
    assert "<h1>협력기관</h1>" in korean.text
    assert korean.headers["content-language"] == "ko"

    english = await client.get("/", headers={"Accept-Language": "en-GB,ko;q=0.3"})
    assert "<h1>Partner institutions</h1>" in english.text

    switched = await client.get("/language?set=ko&next=/signin")
    assert switched.status_code == 303
    assert switched.headers["location"] == "/signin"
    page = await client.get("/signin", headers={"Accept-Language": "en"})
    assert "<h1>로그인</h1>" in page.text


async def test_guessing_a_password_in_the_pages_meets_the_same_limit_as_the_api(
    client: httpx.AsyncClient, runtime: Runtime, librarian: str
) -> None:
    attempts = runtime.settings.sign_in_attempts_per_account
    for _ in range(attempts):
        assert (await _sign_in(client, librarian, "wrong")).status_code == 401
    refused = await _sign_in(client, librarian, PASSWORD)  # even the right one, for now
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many failed attempts." in refused.text
    assert await _count(runtime, "web_session") == 0


async def test_a_forbidden_character_in_the_email_is_a_wrong_pair_not_a_fault(
    client: httpx.AsyncClient, runtime: Runtime, librarian: str
) -> None:
    response = await _sign_in(client, "kim\x00@example.org", PASSWORD)
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
