"""The instance works without internet: no page, stylesheet or GraphiQL refers to another
origin, and GraphiQL runs in a browser that cannot reach any other host."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.async_api import Browser, Route

from exchange.app import create_app
from exchange.settings import Settings
from tests.conftest import World
from tests.servers.web import serving

# An absolute or protocol-relative URL in an attribute, a CSS url() or an @import.
FOREIGN = re.compile(
    r"""(?:src|href|action)\s*=\s*["']\s*(?:[a-z][a-z0-9+.-]*:)?//"""
    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import\s+["']?(?:[a-z]+:)?//""",
    re.IGNORECASE,
)
PAGES = ["/", "/signin", "/graphql"]


async def test_no_served_html_or_css_refers_to_another_origin(
    client: httpx.AsyncClient, world: World
) -> None:
    seen: list[str] = []
    for path in PAGES:
        response = await client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path
        assert not FOREIGN.search(response.text), path
        for asset in re.findall(r"""(?:href|src)="(/[^"]+\.(?:css|js))\"""", response.text):
            seen.append(asset)
            body = await client.get(asset)
            assert body.status_code == 200, asset
            if asset.endswith(".css"):
                assert not FOREIGN.search(body.text), asset
    assert "/vendor/graphiql.min.js" in seen
    assert any(asset.endswith("site.css") for asset in seen)


async def test_vendor_serves_only_the_listed_package_files(client: httpx.AsyncClient) -> None:
    assert (await client.get("/vendor/package.json")).status_code == 404
    assert (await client.get("/vendor/..%2Fpackage.json")).status_code == 404
    script = await client.get("/vendor/react.production.min.js")
    assert script.headers["content-type"].startswith("text/javascript")


async def test_graphiql_runs_a_query_with_every_other_host_unreachable(
    browser: Browser, settings: Settings, world: World, tmp_path: Path
) -> None:
    app = create_app(settings)
    with serving(app) as base:
        foreign: list[str] = []

        async def only_this_instance(route: Route) -> None:
            if route.request.url.startswith(base):
                await route.continue_()
            else:
                foreign.append(route.request.url)
                await route.abort()

        page = await browser.new_page()
        await page.route("**/*", only_this_instance)
        await page.goto(base + "/graphql")
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        await editor.wait_for(timeout=20_000)
        await page.evaluate(
            "document.querySelector('.graphiql-query-editor .CodeMirror')"
            ".CodeMirror.setValue('{ partners(first: 5) { nodes { name } } }')"
        )
        await page.locator(".graphiql-execute-button").click()
        result = page.locator(".graphiql-response .CodeMirror-code")
        await result.filter(has_text="인민대학습당").wait_for(timeout=20_000)
        await page.screenshot(path=str(tmp_path / "graphiql.png"))
        await page.close()
        assert foreign == []
