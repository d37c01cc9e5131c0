"""Browsing recorded lectures: filters by words, course number and instructor, the three
orders, numbered pages that neither repeat nor skip, on both databases."""

from __future__ import annotations

import unicodedata
import uuid

import pytest

from exchange.catalogue import lectures
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.errors import ValidationFailed
from exchange.identity.identity import ANONYMOUS, SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World

# title, course number, instructor
LECTURES = [
    ("선형대수 3강: 고유값", "MATH-201", "Han Myŏng-ok"),
    ("Linear Algebra, Lecture 1: Vectors", "MATH-201", "Han Myŏng-ok"),
    ("Analysis I: Limits", "math-101", "Ri Chol"),
    ("Organic chemistry: alkenes", "CHEM-310", "Anna Berg"),
    ("Quantum mechanics, lecture 2", None, None),
]


async def _catalogue(runtime: Runtime, world: World) -> dict[str, uuid.UUID]:
    made: dict[str, uuid.UUID] = {}
    async with runtime.db.unit_of_work() as uow:
        for title, course, instructor in LECTURES:
            lang = "ko-Hang" if title.startswith("선") else "en"
            draft = WorkDraft(
                WorkKind.RECORDED_LECTURE,
                [(lang, title)],
                "en",
                uuid.UUID(world.national),
                course_number=course,
                instructor=instructor,
            )
            work = await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
            made[title] = work.id
        book = WorkDraft(WorkKind.TEXTBOOK, [("en", "Analysis I")], "en", uuid.UUID(world.national))
        await catalogue.create(SYSTEM, book, uow=uow, policy=runtime.policy)
    return made


async def _titles(
    runtime: Runtime,
    filters: lectures.LectureFilter,
    order: lectures.LectureOrder = lectures.LectureOrder.COURSE,
    page: int = 1,
) -> list[str]:
    async with runtime.db.read() as session:
        found = await lectures.browse(
            ANONYMOUS, filters, order, page, session=session, policy=runtime.policy
        )
    return [work.titles[0]["value"] for work in found.works]


async def test_lectures_sort_by_title_course_or_instructor_missing_values_last(
    runtime: Runtime, world: World
) -> None:
    await _catalogue(runtime, world)
    every = lectures.LectureFilter()
    assert await _titles(runtime, every, lectures.LectureOrder.TITLE) == [
        "Analysis I: Limits",
        "Linear Algebra, Lecture 1: Vectors",
        "Organic chemistry: alkenes",
        "Quantum mechanics, lecture 2",
        "선형대수 3강: 고유값",
    ]
    by_course = await _titles(runtime, every, lectures.LectureOrder.COURSE)
    assert by_course[0] == "Organic chemistry: alkenes"
    assert by_course[1] == "Analysis I: Limits"  # "math-101" sorts with "MATH-201", any case
    assert by_course[2:4] == ["Linear Algebra, Lecture 1: Vectors", "선형대수 3강: 고유값"]
    assert by_course[4] == "Quantum mechanics, lecture 2"
    by_instructor = await _titles(runtime, every, lectures.LectureOrder.INSTRUCTOR)
    assert by_instructor[0] == "Organic chemistry: alkenes"
    assert by_instructor[3:] == ["Analysis I: Limits", "Quantum mechanics, lecture 2"]


async def test_lectures_filter_by_course_prefix_instructor_and_folded_words(
    runtime: Runtime, world: World
) -> None:
    await _catalogue(runtime, world)
    title = lectures.LectureOrder.TITLE
    assert await _titles(runtime, lectures.LectureFilter(course="math-2"), title) == [
        "Linear Algebra, Lecture 1: Vectors",
        "선형대수 3강: 고유값",
    ]
    assert await _titles(runtime, lectures.LectureFilter(course="%")) == []  # no wildcard
    assert await _titles(runtime, lectures.LectureFilter(instructor="Ri Chol")) == [
        "Analysis I: Limits"
    ]
    # words are folded: the instructor typed without the breve, in any case
    assert await _titles(runtime, lectures.LectureFilter(words="HAN myong"), title) == [
        "Linear Algebra, Lecture 1: Vectors",
        "선형대수 3강: 고유값",
    ]
    assert await _titles(runtime, lectures.LectureFilter(words="LECTURE"), title) == [
        "Linear Algebra, Lecture 1: Vectors",
        "Quantum mechanics, lecture 2",
    ]
    async with runtime.db.read() as session:
        names = await lectures.instructors(ANONYMOUS, session=session, policy=runtime.policy)
    assert names == ["Anna Berg", "Han Myŏng-ok", "Ri Chol"]


async def test_numbered_pages_neither_repeat_nor_skip(runtime: Runtime, world: World) -> None:
    async with runtime.db.unit_of_work() as uow:
        for n in range(lectures.PAGE_SIZE + 3):
            draft = WorkDraft(
                WorkKind.RECORDED_LECTURE,
                [("en", f"Same title {n % 2}")],
                "en",
                uuid.UUID(world.national),
                course_number="PHYS-100",
            )
            await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    seen: list[uuid.UUID] = []
    for page in (1, 2, 3):
        async with runtime.db.read() as session:
            found = await lectures.browse(
                ANONYMOUS,
                lectures.LectureFilter(),
                lectures.LectureOrder.COURSE,
                page,
                session=session,
                policy=runtime.policy,
            )
        assert (found.total, found.pages) == (lectures.PAGE_SIZE + 3, 2)
        seen += [work.id for work in found.works]
    assert len(seen) == len(set(seen)) == lectures.PAGE_SIZE + 3
    with pytest.raises(ValidationFailed) as refused:
        async with runtime.db.read() as session:
            await lectures.browse(
                ANONYMOUS,
                lectures.LectureFilter(),
                lectures.LectureOrder.TITLE,
                0,
                session=session,
                policy=runtime.policy,
            )
    assert [(e.field, e.code) for e in refused.value.errors] == [("page", "out_of_range")]


async def test_filters_typed_as_conjoining_jamo_find_names_stored_as_syllables(
    runtime: Runtime, world: World
) -> None:
    """Hangul typed as conjoining jamo (NFD, as some keyboards and macOS send it) is the
    same text as the syllables the catalogue stores (NFC): the exact instructor filter and
    the words filter both find the lecture."""
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.RECORDED_LECTURE,
            [("ko-Hang", "고체물리학 강의")],
            "ko",
            uuid.UUID(world.national),
            course_number="PHY-301",
            instructor="한명옥",
        )
        await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    typed = unicodedata.normalize("NFD", "한명옥")
    assert len(typed) == 9  # three syllables, typed as nine jamo
    assert await _titles(runtime, lectures.LectureFilter(instructor=typed)) == ["고체물리학 강의"]
    words = unicodedata.normalize("NFD", "물리학")
    assert await _titles(runtime, lectures.LectureFilter(words=words)) == ["고체물리학 강의"]
    assert await _titles(runtime, lectures.LectureFilter(instructor="한명")) == []
