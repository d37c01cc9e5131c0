"""A shipment through the pages on the demo, in a real browser, in Korean and in English:
the sending librarian packs the demo's draft shipment, the coordinator approves it (the
receiver is a review destination), the sender dispatches it (the manifest is signed), the
receiving librarian marks it delivered and confirms receipt with one copy missing, and
the coordinator sees the manifest countersigned and the discrepancy. A screenshot per
step; the shipment, its events and its signed receipt are checked in the database after."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from exchange.app import create_app
from exchange.manifests.statement import Receipt
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.pages.journey import VIEWPORT, Shots, demo, sign_in
from tests.pages.people import rows
from tests.servers.web import serving

SENDER = "librarian@publisher.example.org"
RECEIVER = "librarian@kisu.example.org"
COORDINATOR = "coordinator@hub.example.org"
NOTES = {"en": "One copy is missing from the box.", "ko": "상자에 한 부가 없습니다."}
DISCREPANCY = {"en": "expected 5, received 4 — ", "ko": "예정 5, 수령 4 — "}
TOUR = {"countersigned": "shipment-countersigned.png"}


async def _step(page: Page, action: str, state: str) -> None:
    await page.click(f"form[action$='/{action}'] button[type=submit]")
    await page.wait_for_selector(f"h1 [data-state='{state}']")


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_pack_dispatch_receive_with_discrepancy_and_see_it_countersigned(
    browser: Browser, settings: Settings, runtime: Runtime, tmp_path: Path, language: str
) -> None:
    passwords = await demo(runtime)
    [(shipment_id,)] = await rows(runtime, "SELECT id FROM shipment WHERE state = 'draft'")
    shots = Shots(tmp_path / "screenshots", TOUR if language == "en" else None)
    with serving(create_app(settings)) as base:
        context = await browser.new_context(
            locale=language, extra_http_headers={"Accept-Language": language}, viewport=VIEWPORT
        )
        page = await context.new_page()
        shipment = f"{base}/shipments/{shipment_id}"

        async def as_(email: str) -> None:
            await sign_in(page, base, email, passwords[email])
            await page.goto(shipment)

        await as_(SENDER)
        await shots.take(page, "draft")
        await _step(page, "pack", "awaiting_approval")
        await as_(COORDINATOR)
        await _step(page, "approve", "approved")
        await as_(SENDER)
        await page.fill("#note-dispatch", "RR987654321GB")
        await _step(page, "dispatch", "dispatched")
        assert await page.get_attribute("[data-manifest]", "data-manifest") == "verified"
        assert await page.get_attribute("[data-countersigned]", "data-countersigned") == "no"
        await shots.take(page, "dispatched")

        await as_(RECEIVER)
        await _step(page, "mark_delivered", "delivered")
        received = page.locator("#receive-form input[id^='received-']")
        assert await received.input_value() == "5"
        await received.fill("4")
        await page.fill("#receive-form input[id^='note-']", NOTES[language])
        await shots.take(page, "receiving")
        await page.click("#receive-form button[type=submit]")
        await page.wait_for_selector("h1 [data-state='received_with_discrepancy']")

        await as_(COORDINATOR)
        assert await page.get_attribute("[data-countersigned]", "data-countersigned") == "yes"
        assert await page.inner_text("ul.discrepancies li") == (
            DISCREPANCY[language] + NOTES[language]
        )
        await shots.take(page, "countersigned")
        assert await page.get_attribute("html", "lang") == language
        await context.close()

    [(state, manifest)] = await rows(
        runtime,
        f"SELECT state, manifest FROM shipment WHERE id = '{shipment_id}'",
    )
    assert state == "received_with_discrepancy"
    payload = json.loads(str(manifest))["receipt"]["payload"]
    receipt = Receipt.from_json(json.loads(base64.urlsafe_b64decode(payload + "==")))
    assert [(d.expected, d.received, d.note) for d in receipt.discrepancies] == [
        (5, 4, NOTES[language])
    ]
    events = await rows(
        runtime,
        f"SELECT action, to_state FROM shipment_event WHERE shipment_id = '{shipment_id}'"
        " ORDER BY at, id",
    )
    assert events[1:] == [
        ("pack", "awaiting_approval"),
        ("approve", "approved"),
        ("dispatch", "dispatched"),
        ("mark_delivered", "delivered"),
        ("receive", "received_with_discrepancy"),
    ]
    assert shots.taken == [
        "1-draft.png", "2-dispatched.png", "3-receiving.png", "4-countersigned.png"
    ]  # fmt: skip
