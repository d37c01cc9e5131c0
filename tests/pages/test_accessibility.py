"""axe-core (the npm package, injected into each page) finds no serious or critical
violation on any page, on a desktop and on a 360 px wide phone, in both languages."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

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
from tests.pages.people import PASSWORD, person
from tests.servers.web import serving

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


async def _violations(page: Page) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)}))"""
    )
    return found


@pytest.mark.parametrize(("width", "language"), [(1280, "en"), (360, "ko")])
async def test_no_serious_accessibility_violation_on_any_page(
    browser: Browser,
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    width: int,
    language: str,
) -> None:
    async with runtime.db.unit_of_work() as uow:
        work = await catalogue.create(
            SYSTEM,
            WorkDraft(
                WorkKind.TEXTBOOK,
                [("ko-Hang", "수학"), ("en", "Mathematics")],
                "kor",
                partner_id=uuid.UUID(world.national),
                year=1990,
            ),
            uow=uow,
            policy=runtime.policy,
        )
        lecture = WorkDraft(
            WorkKind.RECORDED_LECTURE,
            [("ko-Hang", "선형대수 3강")],
            "kor",
            partner_id=uuid.UUID(world.national),
            course_number="MATH-201",
            instructor="Han Myŏng-ok",
            duration_seconds=5400,
        )
        await catalogue.create(SYSTEM, lecture, uow=uow, policy=runtime.policy)
    await person(runtime, "axe@example.org", world.national, Role.LIBRARIAN)
    app = create_app(settings)
    with serving(app) as base:
        context = await browser.new_context(
            viewport={"width": width, "height": 800},
            locale=language,
            extra_http_headers={"Accept-Language": language},
            bypass_csp=True,  # axe-core is injected inline; the pages' own policy forbids that
        )
        page = await context.new_page()
        report: dict[str, list[dict[str, Any]]] = {}
        visits = [
            "/",
            "/signin",
            "/catalogue?q=수학",
            f"/catalogue/works/{work.id}",
            "/catalogue?year_from=x",
            "/lectures?course=math",
            "/lectures?sort=x",
        ]
        for path in visits:
            await page.goto(base + path)
            report[path] = await _violations(page)
        await page.goto(base + "/signin")
        await page.fill("#email", "axe@example.org")
        await page.fill("#password", PASSWORD)
        await page.click("main button[type=submit]")
        await page.wait_for_url("**/dashboard")
        report["/dashboard"] = await _violations(page)
        await page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)
        overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        await context.close()
    assert {path: found for path, found in report.items() if found} == {}
    assert overflow is False  # nothing wider than the screen
