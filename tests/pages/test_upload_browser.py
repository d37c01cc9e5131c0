"""Uploading in real Chromium with JavaScript on: the page hashes the file, PUTs it in
parts straight to the storage (the instance's own URLs on local disk; the bucket's,
cross-origin, on s3rver and moto — s3rver enforces the CORS rules the start-up set), the
progress bar reaches its end and the instance verifies the stored bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from itertools import count
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from exchange.app import create_app
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.storage.cors import CorsOutcome
from tests.conftest import World
from tests.pages.people import PASSWORD, sign_in
from tests.pages.test_accessibility import _violations
from tests.pages.upload_scene import SENDER, objects_held, upload_scene
from tests.servers.moto import S3Server, create_bucket
from tests.servers.web import free_port, serving
from tests.storage.conftest import SERVERS
from tests.storage.conftest import s3_server as s3_server  # the servers, as fixtures here
from tests.storage.conftest import s3rver_server as s3rver_server

MiB = 1024 * 1024
BIG = b"%PDF-1.4\n" + bytes(range(256)) * (17 * 4096)  # 17 MiB and 9 bytes: three parts
_buckets = count()


pytestmark = pytest.mark.signing_keys  # dispatches sign their manifests


def _on(settings: Settings, backend: str, request: pytest.FixtureRequest, port: int) -> Settings:
    """The instance's settings on ``backend``, served at ``port`` (its public URL)."""
    public = dataclasses.replace(settings, public_url=f"http://127.0.0.1:{port}")
    if backend == "local":
        return public
    server: S3Server = request.getfixturevalue(SERVERS[backend])
    fresh = dataclasses.replace(server, bucket=f"pages-{next(_buckets)}")  # no CORS rules yet
    create_bucket(fresh)
    return dataclasses.replace(
        public,
        storage="s3",
        s3_endpoint=fresh.endpoint,
        s3_bucket=fresh.bucket,
        s3_access_key_id=fresh.access_key_id,
        s3_secret_access_key=fresh.secret_access_key,
    )


SMALL = b"%PDF-1.4\n" + bytes(range(256)) * 400  # one PUT, its checksum a signed header


@pytest.mark.parametrize(
    ("backend", "data"),
    [("local", BIG), ("s3rver", BIG), ("moto", BIG), ("local", SMALL), ("s3rver", SMALL)],
    ids=["local-parts", "s3rver-parts", "moto-parts", "local-one", "s3rver-one"],
)
async def test_a_file_goes_up_with_progress_and_is_verified(
    browser: Browser,
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    backend: str,
    data: bytes,
) -> None:
    """Above 16 MiB in 8 MiB parts (three here), below in one PUT."""
    scene = await upload_scene(runtime, world)
    port = free_port()
    configured = _on(settings, backend, request, port)
    source = tmp_path / "lecture notes.pdf"
    source.write_bytes(data)
    app = create_app(configured)
    with serving(app, port) as base:
        if backend != "local":
            assert app.state.upload_cors.outcome is CorsOutcome.CONFIGURED
        checked = backend == "local" and data is SMALL  # axe-core, once
        # axe-core is injected inline, which the pages' policy forbids; the S3 runs keep the
        # policy, so the browser itself proves the page may connect to the bucket
        context = await browser.new_context(bypass_csp=checked)
        page = await context.new_page()
        await page.goto(base + "/signin")
        await page.fill("#email", SENDER)
        await page.fill("#password", PASSWORD)
        await page.click("main form button[type=submit]")
        await page.wait_for_url("**/dashboard")
        await page.goto(base + scene.page)
        if checked:
            assert await _violations(page) == []
        await page.set_input_files("#file", str(source))
        await page.click("#upload-form button[type=submit]")
        await page.wait_for_selector("#upload-status[data-phase=done]", timeout=60_000)
        status = page.locator("#upload-status")
        assert await status.get_attribute("data-state") == "available"
        assert (await status.inner_text()).startswith(
            "The stored file was verified: its size and SHA-256 are the declared ones."
        )
        value, maximum = await page.evaluate(
            "() => [document.getElementById('upload-progress').value,"
            " document.getElementById('upload-progress').max]"
        )
        assert value == maximum == len(data)
        await page.click("#upload-status a")
        await page.wait_for_selector("[data-verified=yes]")
        if checked:
            assert await _violations(page) == []
        await context.close()
        storage = app.state.runtime.storage
        [(filename, size, sha256, state, _)] = await objects_held(runtime)
        assert (filename, size, state) == ("lecture notes.pdf", len(data), "available")
        assert sha256 == hashlib.sha256(data).hexdigest()
        keys = [key async for key in storage.list_keys("objects/")]
        stored = await storage.digest(keys[0])
        assert (len(keys), stored.size, stored.sha256) == (1, len(data), sha256)


async def test_a_bucket_that_refuses_is_reported_at_start_up_and_on_the_page(
    settings: Settings,
    runtime: Runtime,
    world: World,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """s3rver refuses an unknown access key: the rules can be neither read nor set. The
    start-up log says uploads from the browser will fail and why; the page says so too,
    and its script stands down (``data-direct="no"``), leaving the plain form."""
    scene = await upload_scene(runtime, world)
    port = free_port()
    configured = dataclasses.replace(
        _on(settings, "s3rver", request, port), s3_access_key_id="STRANGER"
    )
    caplog.set_level(logging.WARNING, logger="exchange.pages.upload_draft")
    with serving(create_app(configured), port) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            await sign_in(client, SENDER)
            page = await client.get(scene.page)
            other = await client.get("/shipments")
    bucket = configured.s3_bucket
    assert [r.getMessage() for r in caplog.records] == [
        f"uploads from the browser will fail: the pages of http://127.0.0.1:{port} cannot PUT"
        f" to S3 bucket {bucket} or read the ETag of a part (could not read the CORS rules of"
        f" bucket {bucket}: InvalidAccessKeyId); allow PUT from that origin and expose ETag in"
        " the bucket's CORS rules, or upload with the form without JavaScript, the CLI or"
        " GraphQL"
    ]
    assert 'data-cors="refused"' in page.text
    assert 'data-direct="no"' in page.text
    # only the upload page may connect to the bucket's origin
    endpoint = configured.s3_endpoint
    assert page.headers["content-security-policy"].endswith(f"; connect-src 'self' {endpoint}")
    assert "connect-src" not in other.headers["content-security-policy"]
