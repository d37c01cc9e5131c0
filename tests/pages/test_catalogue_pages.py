"""The catalogue pages: search with filters and pages of results, and a work's own page."""

from __future__ import annotations

import re
import uuid

import httpx

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import ContributorDraft, WorkDraft
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World


async def _lecture(runtime: Runtime, world: World) -> str:
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            kind=WorkKind.RECORDED_LECTURE,
            titles=[("ko-Hang", "고체물리학 강의"), ("ko-Latn", "Koch'e mullihak kangŭi")],
            language="kor",
            partner_id=uuid.UUID(world.national),
            contributors=[ContributorDraft("리철", romanized="Ri Ch'ŏl")],
            year=2019,
            course_number="PHY-301",
            instructor="리철",
            duration_seconds=5400,
        )
        work = await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
        return str(work.id)


async def _textbooks(runtime: Runtime, world: World, count: int) -> None:
    async with runtime.db.unit_of_work() as uow:
        for n in range(count):
            draft = WorkDraft(
                kind=WorkKind.TEXTBOOK,
                titles=[("en", f"Linear algebra, part {n}")],
                language="eng",
                partner_id=uuid.UUID(world.donor),
                year=1980 + n,
                identifiers=[(IdentifierScheme.ISBN, "9780201616224")] if n == 0 else [],
            )
            await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)


async def test_reader_finds_a_lecture_by_course_number_and_opens_its_page(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    work_id = await _lecture(runtime, world)
    found = await client.get("/catalogue", params={"q": "PHY-301", "kind": "recorded_lecture"})
    assert found.status_code == 200
    assert re.findall(r'data-work-id="([^"]+)"', found.text) == [work_id]
    assert '<span lang="ko-Hang">고체물리학 강의</span>' in found.text

    page = await client.get(f"/catalogue/works/{work_id}")
    assert page.status_code == 200
    assert '<h1 lang="ko-Hang">고체물리학 강의</h1>' in page.text
    assert '<span lang="ko-Latn">Koch&#39;e mullihak kangŭi</span>' in page.text
    assert "PHY-301" in page.text
    assert "90 min" in page.text


async def test_results_come_in_pages_each_work_once(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _textbooks(runtime, world, 45)
    seen: list[str] = []
    url = "/catalogue?q=linear+algebra"
    for _ in range(5):
        response = await client.get(url)
        assert response.status_code == 200
        seen += re.findall(r'data-work-id="([^"]+)"', response.text)
        following = re.search(r'rel="next" href="([^"]+)"', response.text)
        if following is None:
            break
        url = following.group(1).replace("&amp;", "&")
    assert len(seen) == 45
    assert len(set(seen)) == 45


async def test_filters_narrow_and_bad_input_is_shown_by_its_field(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _textbooks(runtime, world, 5)
    narrowed = await client.get("/catalogue", params={"year_from": "1983", "kind": "textbook"})
    assert len(re.findall(r'data-work-id="', narrowed.text)) == 2

    bad = await client.get("/catalogue", params={"year_from": "19x8", "kind": "nonsense"})
    assert bad.status_code == 400
    assert 'id="year_from-error">Enter a year such as 1998.' in bad.text
    assert 'id="kind-error">Choose a kind from the list.' in bad.text
    assert 'value="19x8"' in bad.text  # what was typed is kept

    korean = await client.get(
        "/catalogue", params={"year_from": "19x8"}, headers={"Accept-Language": "ko"}
    )
    assert "1998처럼 연도를 입력하십시오." in korean.text

    garbage = await client.get("/catalogue", params={"q": "x", "after": "garbage"})
    assert garbage.status_code == 400
    assert "This page link is no longer valid; start from the first page." in garbage.text
    assert '<a id="first-page" href="/catalogue?q=x">The first page</a>' in garbage.text


async def test_unknown_work_is_a_404_page(client: httpx.AsyncClient, world: World) -> None:
    for path in (f"/catalogue/works/{uuid.uuid4()}", "/catalogue/works/not-an-id"):
        response = await client.get(path)
        assert response.status_code == 404
        assert "No such work in the catalogue." in response.text
