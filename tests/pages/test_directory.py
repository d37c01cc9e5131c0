"""The public partner directory, as a visitor sees it in a browser."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser

from exchange.app import create_app
from exchange.settings import Settings
from tests.conftest import World
from tests.servers.web import serving


async def test_visitor_sees_public_partners_and_searches_in_hangul(
    browser: Browser, settings: Settings, world: World, tmp_path: Path
) -> None:
    app = create_app(settings)  # its own runtime, bound to the server's event loop
    with serving(app) as base:
        page = await browser.new_page()
        await page.goto(base + "/")
        assert await page.locator("h1").inner_text() == "Partner institutions"
        items = page.locator("ul.partners li")
        assert await items.count() == 1  # the donor's profile is not public
        assert "인민대학습당" in await items.first.inner_text()
        assert "Grand People's Study House" in await items.first.inner_text()

        await page.fill("#q", "학습")
        await page.click("button[type=submit]")
        await page.wait_for_url("**/?q=*")
        assert await page.locator("ul.partners li").count() == 1

        await page.fill("#q", "nothing like this")
        await page.click("button[type=submit]")
        await page.wait_for_url("**/?q=nothing*")
        assert await page.locator("p.empty").inner_text() == "No partner matches."

        await page.goto(base + "/?after=garbage")
        shown = await page.locator("#problem").inner_text()
        assert shown == "This page link is no longer valid; start from the first page."
        await page.click("#first-page")
        await page.wait_for_url(base + "/")
        assert await page.locator("ul.partners li").count() == 1
        await page.screenshot(path=str(tmp_path / "directory.png"))
        await page.close()
