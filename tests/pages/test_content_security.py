"""The content security policy in a real browser: GraphiQL renders under it from the
instance's own files, any inline script is blocked, and no page may be framed (issue 11,
item 12)."""

from __future__ import annotations

import dataclasses

from playwright.async_api import Browser

from exchange.app import create_app
from exchange.settings import Settings
from tests.servers.web import free_port, serving


async def test_graphiql_renders_under_the_policy_and_nothing_runs_inline(
    browser: Browser, settings: Settings
) -> None:
    port = free_port()
    public = dataclasses.replace(settings, port=port, public_url=f"http://127.0.0.1:{port}")
    with serving(create_app(public), port=port) as base:
        page = await browser.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        await page.goto(base + "/graphql")
        await page.locator(".graphiql-query-editor .CodeMirror").wait_for(timeout=20_000)
        assert violations == []

        await page.goto(base + "/")
        assert violations == []  # the stylesheet is linked by path, same origin
        ran = await page.evaluate(
            """() => new Promise(resolve => {
                document.addEventListener('securitypolicyviolation',
                    e => resolve(e.violatedDirective));
                const s = document.createElement('script');
                s.textContent = 'window.injected = true';
                document.body.appendChild(s);
            })"""
        )
        assert ran == "script-src-elem"
        assert await page.evaluate("window.injected === undefined")

        framing = await browser.new_page()
        await framing.set_content(f'<iframe name="f" src="{base}/"></iframe>')
        await framing.wait_for_timeout(500)
        # frame-ancestors 'none' (and X-Frame-Options: DENY): Chromium shows its error page
        assert [(f.name, f.url) for f in framing.frames[1:]] == [
            ("f", "chrome-error://chromewebdata/")
        ]
