"""The recorded lectures' listing: found by course number, by instructor and by words,
sorted by a column header, numbered pages, and a bad order or page said next to its field
(never a stack trace)."""

from __future__ import annotations

import re
import uuid

import httpx

from exchange.catalogue import service as catalogue
from exchange.catalogue.lectures import PAGE_SIZE
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World


async def _lectures(runtime: Runtime, world: World) -> None:
    async with runtime.db.unit_of_work() as uow:
        for n in range(PAGE_SIZE + 1):
            draft = WorkDraft(
                WorkKind.RECORDED_LECTURE,
                [("en", f"Mechanics, lecture {n:02d}")],
                "en",
                uuid.UUID(world.national),
                course_number="PHYS-101",
                instructor="Anna Berg",
            )
            await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
        lecture = WorkDraft(
            WorkKind.RECORDED_LECTURE,
            [("ko-Hang", "선형대수 3강: 고유값")],
            "ko",
            uuid.UUID(world.national),
            course_number="MATH-201",
            instructor="Han Myŏng-ok",
            duration_seconds=5400,
        )
        await catalogue.create(SYSTEM, lecture, uow=uow, policy=runtime.policy)


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/catalogue/works/[^"]+"><span lang="[^"]+">([^<]+)</span>', html)


async def test_a_lecture_is_found_by_course_number_and_by_instructor(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _lectures(runtime, world)
    found = await client.get("/lectures", params={"course": "math"})
    assert found.status_code == 200
    assert _titles(found.text) == ["선형대수 3강: 고유값"]
    assert "90 min" in found.text
    assert "Lectures found: 1</p>" in found.text
    by_name = await client.get("/lectures", params={"instructor": "Han Myŏng-ok"})
    assert _titles(by_name.text) == ["선형대수 3강: 고유값"]
    assert "<option selected>Han Myŏng-ok</option>" in by_name.text
    folded = await client.get("/lectures", params={"q": "han myong"})
    assert _titles(folded.text) == ["선형대수 3강: 고유값"]
    none = await client.get("/lectures", params={"course": "CHEM"})
    assert "No lecture matches." in none.text


async def test_lectures_sort_by_a_column_a_numbered_page_at_a_time(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _lectures(runtime, world)
    first = await client.get("/lectures", params={"sort": "title"})
    assert _titles(first.text)[:2] == ["Mechanics, lecture 00", "Mechanics, lecture 01"]
    assert len(_titles(first.text)) == PAGE_SIZE
    assert "Page 1 of 2" in first.text
    assert '<th scope="col" aria-sort="ascending"><a href="/lectures?sort=title">' in first.text
    assert 'href="/lectures?sort=course"' in first.text
    following = re.search(r'<a rel="next" href="/lectures\?([^"]+)"', first.text)
    assert following
    assert following[1] == "sort=title&amp;page=2"
    second = await client.get("/lectures", params={"sort": "title", "page": "2"})
    assert _titles(second.text) == ["Mechanics, lecture 20", "선형대수 3강: 고유값"]
    assert 'rel="prev" href="/lectures?sort=title"' in second.text
    by_course = await client.get("/lectures")
    assert _titles(by_course.text)[0] == "선형대수 3강: 고유값"  # MATH-201 before PHYS-101


async def test_a_bad_order_or_page_is_said_in_the_readers_language(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await _lectures(runtime, world)
    wrong = await client.get("/lectures", params={"sort": "price"})
    assert wrong.status_code == 400
    assert 'id="sort-error">Choose an order from the list.</p>' in wrong.text
    korean = await client.get("/lectures", params={"page": "0"}, headers={"Accept-Language": "ko"})
    assert korean.status_code == 400
    assert "없는 쪽입니다." in korean.text
    assert "녹화 강의" in korean.text
