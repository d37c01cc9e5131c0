"""A researcher on the demo, in a real browser, in Korean and in English: finds the recorded
lecture by its course number, plays it from the middle (the browser asks the storage for
byte ranges and gets 206), downloads an open copy, and is told why two others are refused
(a licence for a tag the partner lacks; an embargo until a date). A screenshot per step;
the download events in the database are checked after."""

from __future__ import annotations

import hashlib
from pathlib import Path

import anyio
import pytest
from playwright.async_api import Browser, Response

from exchange.app import create_app
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.pages.journey import VIEWPORT, Shots, demo, sign_in, until
from tests.pages.people import rows
from tests.servers.web import serving

REASONS = {
    "en": {
        "needs_tag": "The licence is for partners tagged “northfield-consortium”,"
                     " and yours is not.",
        "embargoed": "Under embargo until ",
        "refused": "You cannot download this copy",
    },
    "ko": {
        "needs_tag": "이용허락은 “northfield-consortium” 태그가 있는 기관용이며"
                     " 귀 기관에는 없습니다.",
        "embargoed": "까지 공개가 유예되었습니다.",
        "refused": "이 사본을 내려받을 수 없습니다",
    },
}  # fmt: skip
SLOW = {"offline": False, "latency": 50, "downloadThroughput": 16_000, "uploadThroughput": -1}
TOUR = {"lecture": "lecture-playing.png", "refused-tag": "refused.png"}


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_researcher_finds_plays_downloads_and_is_told_why_not(
    browser: Browser, settings: Settings, runtime: Runtime, tmp_path: Path, language: str
) -> None:
    passwords = await demo(runtime)
    found = await rows(runtime, "SELECT filename, id FROM digital_object")
    objects = {str(name): str(object_id) for name, object_id in found}
    [(video_sha256, embargo)] = await rows(
        runtime,
        "SELECT (SELECT sha256 FROM digital_object WHERE filename LIKE '%.webm'),"
        " (SELECT embargo_until FROM digital_object WHERE filename = 'chapter-1-sample.txt')",
    )
    shots = Shots(tmp_path / "screenshots", TOUR if language == "en" else None)
    ranges: list[tuple[int, str | None]] = []

    async def seen(response: Response) -> None:
        if "/storage/" in response.url:
            ranges.append((response.status, await response.request.header_value("range")))

    with serving(create_app(settings)) as base:
        context = await browser.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport=VIEWPORT,
            accept_downloads=True,
        )
        page = await context.new_page()
        page.on("response", seen)
        await sign_in(
            page, base, "researcher@kisu.example.org", passwords["researcher@kisu.example.org"]
        )

        await page.goto(base + "/lectures")
        await page.fill("#course", "MATH-201")
        await page.click("form.filters button[type=submit]")
        await page.wait_for_url("**/lectures?*course=MATH-201*")
        await shots.take(page, "lectures")
        # A slow link, as the libraries served have: the browser must not hold the whole
        # video when it seeks, so the middle has to be asked for by a byte range.
        link = await context.new_cdp_session(page)
        await link.send("Network.enable")
        await link.send("Network.emulateNetworkConditions", SLOW)
        listed = page.locator("table.lectures tbody a[href^='/catalogue/works/']")
        assert await listed.all_inner_texts() == [
            "Linear Algebra, Lecture 3: Eigenvalues",
            "Linear Algebra, Lecture 4: Diagonalization",
        ]
        await listed.first.click()
        await page.wait_for_selector("video.lecture")
        await until(page, "() => document.querySelector('video.lecture').readyState >= 1")
        duration = await page.evaluate("document.querySelector('video.lecture').duration")
        assert 19 < duration < 21
        await page.evaluate(
            """() => new Promise(done => {
                const video = document.querySelector('video.lecture');
                video.muted = true;
                video.addEventListener('seeked', done, {once: true});
                video.currentTime = 12;
            })"""
        )
        await link.send("Network.emulateNetworkConditions", {**SLOW, "downloadThroughput": -1})
        await page.evaluate("document.querySelector('video.lecture').play()")
        await until(
            page,
            "() => { const v = document.querySelector('video.lecture');"
            " return v.readyState >= 3 && v.currentTime > 13; }",
        )
        await page.evaluate("document.querySelector('video.lecture').pause()")
        await page.locator("video.lecture").scroll_into_view_if_needed()
        await shots.take(page, "lecture")
        assert ranges, "the browser fetched nothing from the storage"
        assert all(
            status == 206 and asked and asked.startswith("bytes=") for status, asked in ranges
        )
        # besides the start, the browser asked for later parts only (the WebM's index of
        # key frames at its end, then the data to play from): 206 each time
        assert [asked for _, asked in ranges if asked != "bytes=0-"] != []

        async with page.expect_download() as downloading:
            await page.click("a[download]:has-text('linear-algebra-lecture-3.webm')")
        saved = await (await downloading.value).path()
        assert hashlib.sha256(await anyio.Path(saved).read_bytes()).hexdigest() == video_sha256

        words = REASONS[language]
        await page.goto(base + "/catalogue?q=Journal+of+Library+Science")
        await page.click("ol.works a")
        reason = page.locator("li[data-entitlement='needs_tag'] .why")
        assert await reason.inner_text() == words["needs_tag"]
        tagged = objects["jlsa-13-1-contents.txt"]
        refused = await page.goto(f"{base}/objects/{tagged}/download")
        assert refused is not None
        assert refused.status == 403
        assert await page.inner_text("h1") == words["refused"]
        assert await page.inner_text("[data-reason='needs_tag']") == words["needs_tag"]
        await shots.take(page, "refused-tag")

        await page.goto(base + "/catalogue?q=中国古代物理学史")
        await page.click("ol.works a")
        embargoed = await page.inner_text("li[data-entitlement='embargoed'] .why")
        assert words["embargoed"] in embargoed
        assert str(embargo)[:4] in embargoed  # the embargo's year, in the locale's format
        chapter = objects["chapter-1-sample.txt"]
        refused = await page.goto(f"{base}/objects/{chapter}/download")
        assert refused is not None
        assert refused.status == 403
        assert await page.inner_text("[data-reason='embargoed']") == embargoed
        await shots.take(page, "refused-embargo")
        assert await page.get_attribute("html", "lang") == language
        await context.close()

    # two downloads of the video, the player's and the link's: its seeks (ranges past the
    # start) continue the first; nothing of the refused copies
    downloaded = await rows(runtime, "SELECT object_id FROM download")
    assert [str(object_id) for (object_id,) in downloaded] == [
        objects["linear-algebra-lecture-3.webm"]
    ] * 2
    assert shots.taken == [
        "1-lectures.png", "2-lecture.png", "3-refused-tag.png", "4-refused-embargo.png"
    ]  # fmt: skip
