"""Shared steps of the browser journeys on the demo data: the demo loaded into the test's
database (its people's passwords as the demo made them), signing in through the form,
and where each step's screenshot goes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import anyio.to_thread
from playwright.async_api import Page, ViewportSize

from exchange.demo import loader
from exchange.runtime import Runtime

# `EXCHANGE_TOUR_DIR=docs/tour pytest tests/pages -k "journey and en"` also copies the
# README tour's screenshots there (see the README's "Tour").
TOUR = "EXCHANGE_TOUR_DIR"
VIEWPORT: ViewportSize = {"width": 1000, "height": 720}


async def demo(runtime: Runtime) -> dict[str, str]:
    """Load the demo; the password of each demo e-mail."""
    created, logins = await loader.load(runtime)
    assert created
    return {login.email: login.password or "" for login in logins}


async def sign_in(page: Page, base: str, email: str, password: str) -> None:
    await page.context.clear_cookies()
    await page.goto(base + "/signin")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("main form button[type=submit]")
    await page.wait_for_url("**/dashboard")


class Shots:
    """Numbered screenshots of one journey in ``folder``; those named in ``tour`` are also
    copied to the folder that ``EXCHANGE_TOUR_DIR`` names, when it is set."""

    def __init__(self, folder: Path, tour: dict[str, str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.tour, self.taken = folder, tour or {}, list[str]()

    async def take(self, page: Page, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1}-{name}.png"
        await page.screenshot(path=str(path))
        self.taken.append(path.name)
        target = os.environ.get(TOUR)
        if target and name in self.tour:
            await anyio.to_thread.run_sync(_copy, path, Path(target) / self.tour[name])


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


async def until(page: Page, function: str, seconds: float = 20) -> None:
    """Poll ``function`` (JavaScript, returning a truth value) in the page until it holds.
    ``wait_for_function`` would need ``eval``, which the pages' CSP forbids."""
    for _ in range(int(seconds * 10)):
        if await page.evaluate(function):
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"never true: {function}")
