"""Pages travel compressed when the browser accepts gzip, and their CSRF token is masked
afresh in every response (so compression cannot leak it, BREACH): every masked form of the
session's token is accepted, anything else refused."""

from __future__ import annotations

import gzip

import httpx

from exchange.app import WEB
from exchange.identity.identity import Role
from exchange.pages import web
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import hidden, member_signed_in


async def test_pages_and_styles_are_gzipped_for_browsers_that_accept_it(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await member_signed_in(client, runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    for path in ("/dashboard", "/catalogue", "/static/site.css"):
        response = await client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["vary"]
        plain = await client.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert response.num_bytes_downloaded < len(plain.content)
    css = await client.get("/static/site.css", headers={"Accept-Encoding": "gzip"})
    assert css.content == (WEB / "static/site.css").read_bytes()  # decoded by the client


def test_a_masked_token_unmasks_to_the_token_and_differs_each_time() -> None:
    token = "ab" * 32
    first, second = web.masked(token), web.masked(token)
    assert first != second
    assert len(first) == 128
    assert web.unmasked(first) == token
    assert web.unmasked(second) == token
    assert web.unmasked("not hex") == ""
    assert web.unmasked("abc") == ""
    assert gzip.compress(first.encode()) != gzip.compress(second.encode())


async def test_each_response_masks_the_token_and_any_of_them_signs_a_form(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    first = await member_signed_in(
        client, runtime, "kim@example.org", world.national, Role.LIBRARIAN
    )
    page = (await client.get("/dashboard")).text
    second = hidden(page, "csrf")
    assert first != second
    assert page.count(second) == page.count('name="csrf"')  # one mask per response
    refused = await client.post("/signout", data={"csrf": web.unmasked(first)})
    assert refused.status_code == 403
    assert (await client.get("/dashboard")).status_code == 200
    signed_out = await client.post("/signout", data={"csrf": first})
    assert signed_out.status_code == 303
    assert (await client.get("/dashboard")).status_code == 303
