"""An admin's journey in a real browser, in Korean and in English: the admin suspends a
partner, whose librarian can then no longer post an offer (and is told why); the admin
reactivates it, and the librarian posts. A screenshot per step (in the test's directory);
the database is checked after each decisive step."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page
from sqlmodel import select

from exchange.app import create_app
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Role
from exchange.offers.models import Offer
from exchange.partners.models import Partner
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages.people import PASSWORD, person
from tests.pages.test_accessibility import _violations
from tests.servers.web import serving

WORDS = {
    "en": {"find": "Find works", "save": "Save as draft", "suspended": "suspended",
           "active": "active", "accounts": "Accounts",
           "reason": "a partner it concerns is suspended"},
    "ko": {"find": "자료 찾기", "save": "초안으로 저장", "suspended": "정지됨",
           "active": "유효", "accounts": "계정",
           "reason": "관련 협력 기관이 정지되었습니다"},
}  # fmt: skip


async def _sign_in(page: Page, base: str, email: str) -> None:
    await page.context.clear_cookies()
    await page.goto(base + "/signin")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("main form button[type=submit]")
    await page.wait_for_url("**/dashboard")


async def _standing(runtime: Runtime, partner_id: str) -> tuple[str, int]:
    """The partner's status and how many offers it has."""
    async with runtime.db.read() as session:
        partner = await session.get(Partner, uuid.UUID(partner_id))
        offers = (
            await session.exec(select(Offer).where(Offer.partner_id == uuid.UUID(partner_id)))
        ).all()
    assert partner is not None
    return partner.status, len(offers)


async def _try_offer(page: Page, base: str, words: dict[str, str]) -> None:
    await page.goto(base + "/offers/new")
    await page.fill("#line-0-query", "고체물리학")
    await page.get_by_role("button", name=words["find"]).click()
    await page.wait_for_selector("#line-0-work")
    await page.get_by_role("button", name=words["save"]).click()


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_an_admin_suspends_a_partner_and_its_librarian_cannot_post_until_reactivated(
    browser: Browser,
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    language: str,
) -> None:
    words = WORDS[language]
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK,
            [("ko-Hang", "고체물리학"), ("en", "Solid state physics")],
            "kor",
            partner_id=uuid.UUID(world.donor),
        )
        await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    await person(runtime, "root@example.org", world.national, Role.ADMIN)
    await person(runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with serving(create_app(settings)) as base:
        context = await browser.new_context(
            locale=language, extra_http_headers={"Accept-Language": language}
        )
        page = await context.new_page()

        await _sign_in(page, base, "root@example.org")
        await page.goto(base + "/admin/partners")
        await page.get_by_role("link", name=words["accounts"]).click()  # the admin navigation
        await page.wait_for_url("**/admin/accounts")
        await page.goto(f"{base}/admin/partners/{world.donor}")
        await page.fill("#reason", "membership dues unpaid")
        await page.click(f'form[action="/admin/partners/{world.donor}/suspend"] button')
        await page.wait_for_selector('h1 [data-status="suspended"]')
        assert await page.inner_text("h1 [data-status]") == words["suspended"]
        await page.screenshot(path=str(shots / "1-suspended.png"), full_page=True)
        assert await _standing(runtime, world.donor) == ("suspended", 0)

        await _sign_in(page, base, "lena@example.org")
        await _try_offer(page, base, words)
        await page.wait_for_selector("#partner-error")
        assert words["reason"] in await page.inner_text("#partner-error")
        await page.screenshot(path=str(shots / "2-refused.png"), full_page=True)
        assert await _standing(runtime, world.donor) == ("suspended", 0)

        await _sign_in(page, base, "root@example.org")
        await page.goto(f"{base}/admin/partners/{world.donor}")
        await page.fill("#reason", "dues paid")
        await page.click(f'form[action="/admin/partners/{world.donor}/reactivate"] button')
        await page.wait_for_selector('h1 [data-status="active"]')
        assert await page.inner_text("h1 [data-status]") == words["active"]
        await page.screenshot(path=str(shots / "3-reactivated.png"), full_page=True)
        assert await _standing(runtime, world.donor) == ("active", 0)

        await _sign_in(page, base, "lena@example.org")
        await _try_offer(page, base, words)
        await page.wait_for_url("**/offers/*")
        await page.screenshot(path=str(shots / "4-offer-posted.png"), full_page=True)
        assert await page.get_attribute("html", "lang") == language
        await context.close()
    assert await _standing(runtime, world.donor) == ("active", 1)
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-suspended.png", "2-refused.png", "3-reactivated.png", "4-offer-posted.png"
    ]  # fmt: skip


@pytest.mark.parametrize(("width", "language"), [(1280, "en"), (360, "ko")])
async def test_the_admin_pages_have_no_serious_accessibility_violation(
    browser: Browser,
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    width: int,
    language: str,
) -> None:
    await person(runtime, "root@example.org", world.national, Role.ADMIN)
    researcher = world.account_ids["researcher"]
    with serving(create_app(settings)) as base:
        context = await browser.new_context(
            viewport={"width": width, "height": 800},
            locale=language,
            extra_http_headers={"Accept-Language": language},
            bypass_csp=True,  # axe-core is injected inline; the pages' own policy forbids that
        )
        page = await context.new_page()
        await _sign_in(page, base, "root@example.org")
        report: dict[str, list[dict[str, Any]]] = {}
        for path in ("/admin/accounts", "/admin/accounts/new", "/admin/keys",
                     f"/admin/accounts/{researcher}"):  # fmt: skip
            await page.goto(base + path)
            report[path] = await _violations(page)
        await page.click("#token button[type=submit]")  # the secret, shown once
        await page.wait_for_selector("#secret")
        report["token issued"] = await _violations(page)
        await page.goto(base + "/admin/keys")
        await page.fill("#partner_query", "Study House")  # the one partner it names
        await page.fill("#public_key", "not a key")
        await page.click("#register button[value=register]")
        await page.wait_for_selector("#public_key-error")
        report["key refused"] = await _violations(page)
        overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        await page.screenshot(path=str(tmp_path / f"keys-{width}.png"), full_page=True)
        await page.goto(f"{base}/admin/accounts/{researcher}")
        await page.screenshot(path=str(tmp_path / f"account-{width}.png"), full_page=True)
        overflow = overflow or await page.evaluate(
            "document.documentElement.scrollWidth > window.innerWidth"
        )
        await context.close()
    assert {path: found for path, found in report.items() if found} == {}
    assert overflow is False  # nothing wider than the screen
