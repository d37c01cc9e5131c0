"""The catalogue service's writers: the batch path used by imports, and keeping the
full-text index in step with a work without leaving stale rows behind."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from exchange.audit.models import AuditEvent
from exchange.catalogue import search
from exchange.catalogue import service as works
from exchange.catalogue.models import IdentifierScheme, Work, WorkIdentifier, WorkKind, WorkLevel
from exchange.catalogue.validation import WorkDraft
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World

ISBN = IdentifierScheme.ISBN


def draft(title: str, isbn: str | None, partner: str) -> WorkDraft:
    return WorkDraft(
        kind=WorkKind.TEXTBOOK,
        titles=[("en", title)],
        language="en",
        partner_id=uuid.UUID(partner),
        identifiers=[] if isbn is None else [(ISBN, isbn)],
    )


async def found(runtime: Runtime, text: str) -> list[str]:
    async with runtime.db.read() as session:
        page = await works.list(
            SYSTEM, works.WorkFilter(search=text), 10, None, session=session, policy=runtime.policy
        )
    return [r.work.titles[0]["value"] for r in page.items]


async def test_create_many_reports_every_draft_and_writes_only_the_good_ones(
    runtime: Runtime, world: World
) -> None:
    async with runtime.db.unit_of_work() as uow:
        stored = await works.create(
            SYSTEM,
            draft("Stored atlas", "978-0-306-40615-7", world.national),
            uow=uow,
            policy=runtime.policy,
        )
    drafts = [
        draft("Batch physics", "9780131103627", world.national),
        draft("Bad check digit", "9780131103628", world.national),
        draft("Same ISBN as the first", "0-13-110362-8", world.national),
        draft("Same ISBN as the stored one", "0306406152", world.national),
        draft("Unknown partner", None, str(uuid.uuid4())),
        draft("Batch chemistry", None, world.national),
    ]
    async with runtime.db.unit_of_work() as uow:
        results = await works.create_many(SYSTEM, drafts, uow=uow, policy=runtime.policy)

    first, bad, twin, taken, stranger, last = results
    assert isinstance(first, uuid.UUID)
    assert isinstance(last, uuid.UUID)
    assert isinstance(bad, ValidationFailed)
    assert [(e.field, e.code) for e in bad.errors] == [
        ("identifiers[0].value", "invalid_check_digit")
    ]
    assert isinstance(twin, Conflict)
    assert twin.existing_id == str(first)
    assert isinstance(taken, Conflict)
    assert taken.existing_id == str(stored.id)
    assert isinstance(stranger, NotFound)
    async with runtime.db.read() as session:
        titles = (await session.exec(select(Work.titles).order_by(col(Work.id)))).all()
        isbns = (await session.exec(select(WorkIdentifier.work_id))).all()
        audited = (
            await session.exec(
                select(AuditEvent.entity_id).where(AuditEvent.action == "work.create")
            )
        ).all()
    assert [t[0]["value"] for t in titles] == ["Stored atlas", "Batch physics", "Batch chemistry"]
    assert sorted(isbns) == sorted([stored.id, first])
    assert sorted(audited) == sorted(str(i) for i in (stored.id, first, last))
    assert await found(runtime, "physics") == ["Batch physics"]
    assert await found(runtime, "chemistry") == ["Batch chemistry"]


async def test_an_update_replaces_the_index_row_of_its_work(runtime: Runtime, world: World) -> None:
    async with runtime.db.unit_of_work() as uow:
        work = await works.create(
            SYSTEM, draft("Old geology", None, world.national), uow=uow, policy=runtime.policy
        )
    async with runtime.db.unit_of_work() as uow:
        await works.update(
            SYSTEM,
            work.id,
            works.WorkPatch(titles=[("en", "New astronomy")]),
            uow=uow,
            policy=runtime.policy,
        )
    assert await found(runtime, "geology") == []
    assert await found(runtime, "astronomy") == ["New astronomy"]
    if runtime.db.dialect == "sqlite":
        async with runtime.db.read() as session:
            rows = await session.exec(sa.text("SELECT count(*) FROM fts_work"))  # type: ignore[call-overload]
            keys = await session.exec(sa.text("SELECT count(*) FROM fts_work_key"))  # type: ignore[call-overload]
            assert (rows.scalar_one(), keys.scalar_one()) == (1, 1)


async def test_a_search_without_filters_ranks_at_most_the_capped_number_of_matches(
    runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "RANKED", 3)
    async with runtime.db.unit_of_work() as uow:
        drafts = [draft(f"Common word {n}", None, world.national) for n in range(5)]
        await works.create_many(SYSTEM, drafts, uow=uow, policy=runtime.policy)
    assert len(await found(runtime, "common")) == 3
    async with runtime.db.read() as session:
        filtered = await works.list(
            SYSTEM,
            works.WorkFilter(search="common", language="en"),
            10,
            None,
            session=session,
            policy=runtime.policy,
        )
    assert len(filtered.items) == 5


async def test_an_update_clears_the_optional_fields_it_names_and_keeps_those_left_none(
    runtime: Runtime, world: World
) -> None:
    lecture = WorkDraft(
        kind=WorkKind.RECORDED_LECTURE,
        titles=[("en", "Soil science, lecture 3")],
        language="en",
        partner_id=uuid.UUID(world.national),
        publisher="Kim Il Sung University",
        year=2019,
        level=WorkLevel.GRADUATE,
        course_number="AGR-301",
        instructor="Ri Chol",
        duration_seconds=3600,
    )
    async with runtime.db.unit_of_work() as uow:
        work = await works.create(SYSTEM, lecture, uow=uow, policy=runtime.policy)
    async with runtime.db.unit_of_work() as uow:
        kept = await works.update(
            SYSTEM, work.id, works.WorkPatch(language="ko"), uow=uow, policy=runtime.policy
        )
    assert (kept.year, kept.level, kept.duration_seconds, kept.publisher) == (
        2019,
        "graduate",
        3600,
        "Kim Il Sung University",
    )
    cleared = works.WorkPatch(cleared=frozenset({"year", "level", "duration_seconds", "publisher"}))
    async with runtime.db.unit_of_work() as uow:
        await works.update(SYSTEM, work.id, cleared, uow=uow, policy=runtime.policy)
    async with runtime.db.read() as session:
        stored = await works.get(SYSTEM, work.id, session=session, policy=runtime.policy)
        audited = (
            await session.exec(
                select(AuditEvent.action).where(AuditEvent.entity_id == str(work.id))
            )
        ).all()
    assert (stored.year, stored.level, stored.duration_seconds, stored.publisher) == (
        None,
        None,
        None,
        None,
    )
    assert (stored.language, stored.course_number, stored.instructor) == (
        "ko",
        "AGR-301",
        "Ri Chol",
    )
    assert audited == ["work.create", "work.update", "work.update"]


def test_a_patch_that_both_gives_and_clears_a_field_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"^both given and cleared: level, year$"):
        works.WorkPatch(year=2001, level=WorkLevel.GRADUATE, cleared=frozenset({"year", "level"}))
