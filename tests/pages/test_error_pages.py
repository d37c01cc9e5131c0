"""The error page shows the ways on from it: back to the page the visitor came from (on
this instance only), to their dashboard (the directory for a visitor), and to sign-in when
nobody is signed in, saying so when the session has ended."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from playwright.async_api import Browser

from exchange.app import create_app
from exchange.identity.identity import Role
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages import journey
from tests.pages.people import PASSWORD, member_signed_in, person, rows
from tests.servers.web import serving

OFFERS = "SELECT count(*) FROM offer"
BACK = '<a href="/offers/new">Back to the page you were on</a>'
DASHBOARD = '<a href="/dashboard">Your dashboard</a>'


async def test_a_refused_form_links_back_to_its_page_and_the_dashboard(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await member_signed_in(client, runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    form = {"csrf": "stale", "action": "save", "line_count": "0", "partner": world.donor}
    came_from = {"Referer": "http://testserver/offers/new"}
    refused = await client.post("/offers/new", data=form, headers=came_from)
    assert refused.status_code == 403
    assert '<p id="problem">The form expired. Please try again.</p>' in refused.text
    assert BACK in refused.text
    assert DASHBOARD in refused.text
    assert "/signin?" not in refused.text
    assert "Your session has ended." not in refused.text

    elsewhere = {"Referer": "http://evil.example/offers/new"}
    other = await client.post("/offers/new", data=form, headers=elsewhere)
    assert other.status_code == 403
    assert "Back to the page you were on" not in other.text
    assert DASHBOARD in other.text
    assert await rows(runtime, OFFERS) == [(0,)]


async def test_a_form_sent_after_the_session_ended_offers_sign_in_then_back(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(client, runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    secret = client.cookies["sx_session"]
    assert (await client.post("/signout", data={"csrf": csrf})).status_code == 303
    client.cookies.set("sx_session", secret)  # the tab still holds the ended session

    form = {"csrf": csrf, "action": "save", "line_count": "0", "partner": world.donor}
    came_from = {"Referer": "http://testserver/offers/new"}
    ended = await client.post("/offers/new", data=form, headers=came_from)
    assert ended.status_code == 401
    assert (
        '<p id="problem">You are not signed in, so the form was not sent. '
        "Sign in, then send it again.</p>"
    ) in ended.text
    assert "<p>Your session has ended.</p>" in ended.text
    assert '<a href="/signin?next=%2Foffers%2Fnew">Sign in</a>' in ended.text
    assert BACK in ended.text
    assert '<a href="/">Back to the directory</a>' in ended.text
    assert await rows(runtime, OFFERS) == [(0,)]

    client.cookies.clear()
    missing = f"/catalogue/works/{uuid.uuid4()}"
    korean = await client.get(missing, headers={"Accept-Language": "ko"})
    assert korean.status_code == 404
    assert f'<a href="/signin?next=%2Fcatalogue%2Fworks%2F{missing.split("/")[-1]}">' in (
        korean.text
    )
    assert "세션이 끝났습니다" not in korean.text  # no session was sent: none ended


async def test_chromium_comes_back_from_a_refused_form_to_the_page_it_was_on(
    browser: Browser, settings: Settings, world: World, runtime: Runtime, tmp_path: Path
) -> None:
    """The browser tells the instance which of its pages a form was on (``Referrer-Policy:
    same-origin``): a form sent from a page whose session was replaced in another tab is
    refused, and the error page leads back to that form."""
    await person(runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    app = create_app(settings)
    with serving(app) as base:
        context = await browser.new_context()
        first = await context.new_page()
        await journey.sign_in(first, base, "lena@example.org", PASSWORD)
        await first.goto(base + "/offers/new")
        second = await context.new_page()
        await journey.sign_in(second, base, "lena@example.org", PASSWORD)  # a new session
        await first.click("button[value=save]")
        await first.wait_for_selector("#problem")
        assert await first.inner_text("#problem") == "The form expired. Please try again."
        back = first.get_by_role("link", name="Back to the page you were on")
        assert await back.get_attribute("href") == "/offers/new"
        await first.screenshot(path=str(tmp_path / "error-page.png"))
        await back.click()
        await first.wait_for_url("**/offers/new")
        assert await rows(runtime, OFFERS) == [(0,)]
        await context.close()
