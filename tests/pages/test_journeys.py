"""The exchange through the pages in a real browser, in Korean and in English: a donor's
librarian offers a book, a library abroad requests it, the coordinator allocates it on the
matching board. Each step is a screenshot (in the test's directory) and the database is
checked after the last one."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from exchange.app import create_app
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Role
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages.people import PASSWORD, person, rows
from tests.servers.web import serving

BUTTONS = {
    "en": {"find": "Find works", "save": "Save as draft", "publish": "Publish",
           "post": "Post the request", "allocate": "Allocate"},
    "ko": {"find": "자료 찾기", "save": "초안으로 저장", "publish": "게시",
           "post": "요청 게시", "allocate": "배정"},
}  # fmt: skip


async def _sign_in(page: Page, base: str, email: str) -> None:
    await page.context.clear_cookies()
    await page.goto(base + "/signin")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("main form button[type=submit]")
    await page.wait_for_url("**/dashboard")


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_offer_request_and_allocation_in_the_browser(
    browser: Browser,
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    language: str,
) -> None:
    words = BUTTONS[language]
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK,
            [("ko-Hang", "고체물리학"), ("en", "Solid state physics")],
            "kor",
            partner_id=uuid.UUID(world.donor),
        )
        await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    await person(runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    await person(runtime, "cho@example.org", world.donor, Role.COORDINATOR)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with serving(create_app(settings)) as base:
        context = await browser.new_context(
            locale=language, extra_http_headers={"Accept-Language": language}
        )
        page = await context.new_page()

        await _sign_in(page, base, "lena@example.org")
        await page.goto(base + "/offers/new")
        await page.fill("#line-0-query", "고체물리학")
        await page.get_by_role("button", name=words["find"]).click()
        await page.wait_for_selector("#line-0-work")
        await page.get_by_role("button", name=words["save"]).click()
        await page.wait_for_url("**/offers/*")
        await page.screenshot(path=str(shots / "1-offer-draft.png"), full_page=True)
        await page.get_by_role("button", name=words["publish"]).click()
        await page.wait_for_selector('[data-state="open"]')

        await _sign_in(page, base, "kim@example.org")
        await page.goto(base + "/requests/new")
        await page.fill("#line-0-query", "Solid state")
        await page.get_by_role("button", name=words["find"]).click()
        await page.wait_for_selector("#line-0-work")
        await page.fill("#line-0-quantity", "1")
        await page.get_by_role("button", name=words["post"]).click()
        await page.wait_for_url("**/requests/*")
        await page.screenshot(path=str(shots / "2-request.png"), full_page=True)

        await _sign_in(page, base, "cho@example.org")
        await page.goto(base + "/board")
        await page.screenshot(path=str(shots / "3-board.png"), full_page=True)
        await page.get_by_role("button", name=words["allocate"]).first.click()
        await page.wait_for_selector("p.empty")  # the request is filled: the board is clear
        await page.screenshot(path=str(shots / "4-allocated.png"), full_page=True)
        assert await page.get_attribute("html", "lang") == language
        await context.close()
    assert await rows(runtime, "SELECT quantity, state FROM allocation") == [(1, "active")]
    assert await rows(runtime, "SELECT state FROM resource_request") == [("filled",)]
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-offer-draft.png", "2-request.png", "3-board.png", "4-allocated.png"
    ]  # fmt: skip
