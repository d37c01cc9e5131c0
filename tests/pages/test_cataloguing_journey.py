"""A librarian catalogues a work and uploads its digital copy, in real Chromium, in both
languages (Korean on a 360 px wide phone): the form refuses a bad ISBN beside its field
with every value kept and nothing written; corrected, the work is catalogued with its
Hangul title and romanization; the upload page (the shipments' form and script) sends
the file straight to storage — local disk, and an S3 server — and the work page lists it.
The database and the stored bytes are checked after each step; axe-core finds no serious
or critical violation; a screenshot per step (in the test's directory)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from exchange.app import create_app
from exchange.identity.identity import Role
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages.journey import Shots, sign_in
from tests.pages.people import PASSWORD, person, rows
from tests.pages.test_accessibility import _violations
from tests.pages.test_upload_browser import _on
from tests.servers.web import free_port, serving
from tests.storage.conftest import s3_server as s3_server  # the servers, as fixtures here
from tests.storage.conftest import s3rver_server as s3rver_server

LIBRARIAN = "kim@example.org"
TITLE, ROMANIZED = "조선어 문법", "Chosŏnŏ munpŏp"
ISBN, BAD_ISBN = "978-89-300-0001-7", "978-89-300-0001-8"
DATA = b"%PDF-1.4\n" + bytes(range(256)) * 2000  # 512,009 bytes: one PUT
SAID = {
    "en": {"bad": "the check digit is wrong", "verified": "The stored file was verified"},
    "ko": {"bad": "검사 숫자가 틀렸습니다", "verified": "저장된 파일을 검증했습니다"},
}


async def _fits(page: Page) -> None:
    """Nothing wider than the screen: usable without scrolling sideways."""
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )


async def _written(runtime: Runtime) -> list[tuple[object, ...]]:
    return await rows(
        runtime,
        "SELECT 'work', id FROM work UNION ALL SELECT 'identifier', value FROM work_identifier"
        " UNION ALL SELECT 'object', id FROM digital_object",
    )


@pytest.mark.parametrize(
    ("language", "width", "backend"),
    [("en", 1000, "local"), ("ko", 360, "local"), ("en", 1000, "s3rver")],
    ids=["en-local", "ko-phone-local", "en-s3rver"],
)
async def test_a_librarian_catalogues_a_work_and_uploads_its_copy(
    browser: Browser,
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    language: str,
    width: int,
    backend: str,
) -> None:
    await person(runtime, LIBRARIAN, world.national, Role.LIBRARIAN)
    port = free_port()
    configured = _on(settings, backend, request, port)
    source = tmp_path / "grammar.pdf"
    source.write_bytes(DATA)
    shots = Shots(tmp_path / "screenshots")
    checked = backend == "local"  # axe-core is injected inline, which the pages' CSP forbids
    app = create_app(configured)
    with serving(app, port) as base:
        context = await browser.new_context(
            viewport={"width": width, "height": 800},
            locale=language,
            extra_http_headers={"Accept-Language": language},
            bypass_csp=checked,
        )
        page = await context.new_page()
        await sign_in(page, base, LIBRARIAN, PASSWORD)
        await page.click("#catalogue-new")
        await page.wait_for_url("**/catalogue/works/new")
        if checked:
            assert await _violations(page) == []
        await _fits(page)
        await page.select_option("#kind", "textbook")
        await page.fill("#language", "kor")
        await page.fill("#year", "1998")
        await page.fill("#title-0-lang", "ko-Hang")
        await page.fill("#title-0-value", TITLE)
        await page.fill("#title-1-lang", "ko-Latn")
        await page.fill("#title-1-value", ROMANIZED)
        await page.fill("#identifier-0-value", BAD_ISBN)
        await page.fill("#contributor-0-name", "김영희")
        await page.fill("#contributor-0-romanized", "Kim Yŏnghŭi")
        await shots.take(page, "form")
        await page.click("#work-form button[value=save]")
        await page.wait_for_selector("#identifier-0-value-error")

        # refused: the message beside the ISBN, every value as typed, nothing written
        assert await page.inner_text("#identifier-0-value-error") == SAID[language]["bad"]
        assert await page.get_attribute("#identifier-0-value", "aria-invalid") == "true"
        kept = {
            f: await page.input_value(f"#{f}")
            for f in ("title-0-value", "title-1-value", "title-1-lang", "identifier-0-value")
        }
        assert kept == {
            "title-0-value": TITLE,
            "title-1-value": ROMANIZED,
            "title-1-lang": "ko-Latn",
            "identifier-0-value": BAD_ISBN,
        }
        assert await page.input_value("#language") == "kor"
        assert await _written(runtime) == []
        if checked:
            assert await _violations(page) == []
        await _fits(page)
        await page.locator("#identifier-0-value").scroll_into_view_if_needed()
        await shots.take(page, "refused")

        await page.fill("#identifier-0-value", ISBN)
        await page.click("#work-form button[value=save]")
        await page.wait_for_selector("h1[lang=ko-Hang]")
        work_id = page.url.rsplit("/", 1)[1]
        [(titles, lang, year)] = await rows(runtime, "SELECT titles, language, year FROM work")
        assert (json.loads(titles) if isinstance(titles, str) else titles) == [
            {"lang": "ko-Hang", "value": TITLE},
            {"lang": "ko-Latn", "value": ROMANIZED},
        ]
        assert (lang, year) == ("ko", 1998)
        assert await rows(runtime, "SELECT work_id, scheme, value FROM work_identifier") in (
            [(work_id, "isbn", "9788930000017")],
            [(work_id.replace("-", ""), "isbn", "9788930000017")],
        )
        await shots.take(page, "catalogued")

        await page.click("#work-upload")
        await page.wait_for_url(f"**/catalogue/works/{work_id}/upload")
        if checked:
            assert await _violations(page) == []
        await _fits(page)
        await page.set_input_files("#file", str(source))
        await page.click("#upload-form button[type=submit]")
        await page.wait_for_selector("#upload-status[data-phase=done]", timeout=60_000)
        assert await page.get_attribute("#upload-status", "data-state") == "available"
        assert SAID[language]["verified"] in await page.inner_text("#upload-status")
        await shots.take(page, "uploaded")

        await page.goto(f"{base}/catalogue/works/{work_id}")
        listed = page.locator("ul.objects li a")
        assert await listed.inner_text() == "grammar.pdf"
        assert await page.get_attribute("ul.objects li", "data-entitlement") == "entitled"
        await listed.scroll_into_view_if_needed()
        await shots.take(page, "listed")
        await context.close()

    [(obj_work, filename, size, sha256, state, licence)] = await rows(
        runtime,
        "SELECT work_id, filename, size, sha256, state, licence FROM digital_object",
    )
    assert str(obj_work).replace("-", "") == work_id.replace("-", "")
    assert (filename, size, state, licence) == ("grammar.pdf", len(DATA), "available", "CC-BY-4.0")
    assert sha256 == hashlib.sha256(DATA).hexdigest()
    storage = app.state.runtime.storage
    keys = [key async for key in storage.list_keys("objects/")]
    stored = await storage.digest(keys[0])
    assert (len(keys), stored.size, stored.sha256) == (1, len(DATA), sha256)
    assert shots.taken == [
        "1-form.png",
        "2-refused.png",
        "3-catalogued.png",
        "4-uploaded.png",
        "5-listed.png",
    ]
