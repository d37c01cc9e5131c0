"""A list page asked from an ``after`` cursor it never handed out (tampered with, cut short,
garbage) answers 400 in plain words, in the visitor's language, with a link to the same
list from its first page (its other parameters kept); never a 500, never jargon."""

from __future__ import annotations

import base64
import uuid

import httpx
import pytest

from exchange.identity.identity import Role
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, sign_in

ADMIN = "ada@example.org"
COORDINATOR = "cora@example.org"
STALE = {
    "en": "This page link is no longer valid; start from the first page.",
    "ko": "이 페이지 링크는 더 이상 유효하지 않습니다. 첫 페이지부터 다시 시작하십시오.",
}
FIRST = {"en": "The first page", "ko": "첫 페이지"}
# Every list page that pages by cursor, with a query to keep, and who reads it.
LISTS = [
    ("/", {"q": "학습"}, None),
    ("/catalogue", {"q": "physics", "kind": "textbook"}, None),
    ("/offers", {}, COORDINATOR),
    ("/requests", {}, COORDINATOR),
    ("/board", {}, COORDINATOR),
    ("/shipments", {"state": "dispatched"}, COORDINATOR),
    ("/admin/partners", {"q": "library"}, ADMIN),
    ("/admin/accounts", {"q": "ada"}, ADMIN),
]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


TAMPERED = [
    "garbage",
    "@@@",
    "한국어",
    _b64(uuid.uuid4().bytes)[:-3],  # a real-looking cursor cut short
    _b64(uuid.uuid4().bytes + b"x"),  # one byte too many
    _b64(b"nan|" + uuid.uuid4().hex.encode() + b"|x|y"),  # a ranked cursor tampered with
    _b64(b"nan|" + uuid.uuid4().hex.encode()),
    _b64(b"-inf|" + uuid.uuid4().hex.encode()),
    "A" * 5000,
]


@pytest.fixture
async def people(runtime: Runtime, world: World) -> None:
    await person(runtime, ADMIN, world.donor, Role.ADMIN)
    await person(runtime, COORDINATOR, world.donor, Role.COORDINATOR)


@pytest.mark.parametrize(("path", "query", "reader"), LISTS)
@pytest.mark.parametrize("language", ["en", "ko"])
async def test_a_tampered_cursor_is_said_plainly_with_a_link_to_the_first_page(
    client: httpx.AsyncClient,
    people: None,
    path: str,
    query: dict[str, str],
    reader: str | None,
    language: str,
) -> None:
    if reader is not None:
        await sign_in(client, reader)
    client.headers["Accept-Language"] = language
    first = httpx.URL(path, params=query)
    assert (await client.get(str(first))).status_code == 200
    for cursor in TAMPERED:
        response = await client.get(path, params={**query, "after": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert f'<p id="problem">{STALE[language]}</p>' in response.text
        link = str(first).replace("&", "&amp;")
        assert f'<a id="first-page" href="{link}">{FIRST[language]}</a>' in response.text
        assert "cursor" not in response.text
