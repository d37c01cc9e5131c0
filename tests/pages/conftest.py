"""Browser tests: Debian's Chromium, driven by Playwright, against a real server."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages.upload_scene import UploadScene, upload_scene
from tests.shipments.conftest import KEY_ENCRYPTION_KEY

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield instance
        finally:
            await instance.close()


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """One browser run, on the embedded database: the queries behind the pages are
    exercised on PostgreSQL by the service and API tests."""
    path = tmp_path / "exchange.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings; in a module marked ``signing_keys`` (shipments dispatched with
    a signed manifest, and their uploads) with a key-encryption key for the instance's
    signing keys."""
    if request.node.get_closest_marker("signing_keys") is None:
        return settings
    return dataclasses.replace(settings, key_encryption_key=KEY_ENCRYPTION_KEY)


@pytest.fixture
async def scene(runtime: Runtime, world: World) -> UploadScene:
    """A digital shipment waiting for its file (``upload_scene``)."""
    return await upload_scene(runtime, world)
