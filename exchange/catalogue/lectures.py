"""Recorded lectures for browsing: filtered by words, course number and instructor, sorted
by title, course number or instructor, a numbered page at a time.

A listing sorted by a column is paged by number (``page`` from 1, ``PAGE_SIZE`` a page),
as readers browsing a list expect ("page 3 of 7"); the catalogue's ranked search keeps its
cursors. Ties in the sort are broken by the title, then by the work's id, so the lectures
of one course come in title order and a page never repeats a lecture of the one before
while nothing is catalogued in between.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import text
from exchange.catalogue.models import Work, WorkKind
from exchange.catalogue.search import fold
from exchange.errors import ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.policy import PLATFORM, PolicyEngine

PAGE_SIZE = 20
MAX_PAGE = 10_000
MAX_COURSE = 50  # code points of a course number prefix
LIKE_SPECIAL = re.compile(r"([\\%_])")


class LectureOrder(StrEnum):
    TITLE = "title"
    COURSE = "course"
    INSTRUCTOR = "instructor"


@dataclass(frozen=True, slots=True)
class LectureFilter:
    """``words``: found in any catalogued field (folded: case and diacritics ignored);
    ``course``: the start of the course number, any case ("math-2" finds "MATH-201");
    ``instructor``: exactly one of ``instructors``' names."""

    words: str | None = None
    course: str | None = None
    instructor: str | None = None


@dataclass(frozen=True, slots=True)
class LecturePage:
    works: Sequence[Work]
    total: int  # lectures matching the filter, over all pages
    page: int  # 1-based
    pages: int  # at least 1


def _like(text: str) -> str:
    return LIKE_SPECIAL.sub(r"\\\1", text)


def _title() -> sa.ColumnElement[str]:
    """The work's preferred (first) title, in any case."""
    return func.lower(col(Work.titles)[0]["value"].as_string())


def _sort_key(order: LectureOrder) -> sa.ColumnElement[str]:
    """Lectures without the sorted field come last (``browse`` sorts on ``key IS NULL``)."""
    if order is LectureOrder.TITLE:
        return _title()
    column = col(Work.course_number) if order is LectureOrder.COURSE else col(Work.instructor)
    return func.lower(column)


async def browse(
    identity: Identity,
    filters: LectureFilter,
    order: LectureOrder,
    page: int,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> LecturePage:
    """One page of the recorded lectures matching ``filters`` in ``order``. Raises
    ``ValidationFailed`` (field ``page``, ``out_of_range``) for a page below 1 or above
    ``MAX_PAGE``, and for filter text the text rule refuses (``exchange.text``: fields
    ``words``, ``course``, ``instructor``); a page past the last answers empty, with the true
    ``pages``."""
    policy.require(identity, "work.search", PLATFORM)
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed.single(
            "page", "out_of_range", N_("between 1 and {max_page}", max_page=MAX_PAGE)
        )
    # The filter text as the catalogue stores text (NFC): Hangul typed as conjoining jamo
    # (NFD) must equal an instructor's name stored as syllables.
    filters = LectureFilter(
        words=text.checked_optional(filters.words, "words", limit=text.MAX_SEARCH),
        course=text.checked_optional(filters.course, "course", limit=MAX_COURSE),
        instructor=text.checked_optional(filters.instructor, "instructor", limit=text.MAX_NAME),
    )
    where: list[sa.ColumnElement[bool]] = [col(Work.kind) == WorkKind.RECORDED_LECTURE.value]
    if filters.words:
        for word in fold(filters.words).split():
            where.append(col(Work.search_text).like(f"%{_like(word)}%", escape="\\"))
    if filters.course:
        prefix = _like(filters.course.strip().lower())
        where.append(func.lower(col(Work.course_number)).like(f"{prefix}%", escape="\\"))
    if filters.instructor:
        where.append(col(Work.instructor) == filters.instructor)
    total = (await session.exec(select(func.count()).select_from(Work).where(*where))).one()
    key = _sort_key(order)
    statement = (
        select(Work)
        .where(*where)
        .order_by(key.is_(None), key, _title(), col(Work.id))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    works = (await session.exec(statement)).all()
    return LecturePage(works, total, page, max(1, math.ceil(total / PAGE_SIZE)))


async def instructors(
    identity: Identity, *, session: AsyncSession, policy: PolicyEngine, limit: int = 500
) -> list[str]:
    """The instructors of recorded lectures, alphabetically (at most ``limit``), for the
    listing's choice of instructor."""
    policy.require(identity, "work.search", PLATFORM)
    column = col(Work.instructor)
    statement = (
        select(column)
        .where(col(Work.kind) == WorkKind.RECORDED_LECTURE.value, column.is_not(None))
        .distinct()
        .order_by(column)
        .limit(limit)
    )
    return [name for name in (await session.exec(statement)).all() if name]
