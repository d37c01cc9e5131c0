"""Ranked search pages stay exact while works are catalogued between page requests: every
work that existed when the first page was read comes exactly once (issue 12, item 8)."""

from __future__ import annotations

import itertools
import uuid

import pytest
import sqlalchemy as sa

from exchange.catalogue import search
from exchange.catalogue import service as works
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import ContributorDraft, WorkDraft
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World

WORDS = ["maps", "rivers", "mountains", "coasts", "of", "the", "northern", "provinces"]
_titles = itertools.count()


def title(length: int) -> str:
    """An "atlas" title of ``length`` words: lengths differ, so do the scores."""
    number = next(_titles)
    return " ".join(["Atlas", *itertools.islice(itertools.cycle(WORDS), length), str(number)])


async def catalogue(runtime: Runtime, world: World, titles: list[str]) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    async with runtime.db.unit_of_work() as uow:
        for text in titles:
            draft = WorkDraft(
                WorkKind.TEXTBOOK,
                [("en", text)],
                "en",
                uuid.UUID(world.national),
                [ContributorDraft("Cartographer")],
                subjects=["atlas"] if "Atlas" in text and len(ids) % 3 == 0 else [],
            )
            work = await works.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
            ids.append(work.id)
    return ids


async def page(
    runtime: Runtime, filters: works.WorkFilter, after: search.Cursor | None, size: int = 2
) -> tuple[list[uuid.UUID], search.Cursor | None]:
    async with runtime.db.read() as session:
        found = await works.list(
            SYSTEM, filters, size, after, session=session, policy=runtime.policy
        )
    ids = [r.work.id for r in found.items]
    return ids, (found.items[-1].cursor if found.has_next else None)


FILTERS = [
    works.WorkFilter(search="atlas"),  # ranks the first matches from the index alone
    works.WorkFilter(search="atlas", kind=WorkKind.TEXTBOOK),  # ranks every match
]


@pytest.mark.parametrize("filters", FILTERS, ids=["unfiltered", "filtered"])
@pytest.mark.parametrize("inserts", [1, 12], ids=["one-insert", "an-insert-per-page"])
async def test_works_catalogued_between_pages_neither_repeat_nor_hide_others(
    runtime: Runtime, world: World, filters: works.WorkFilter, inserts: int
) -> None:
    # Works that do not match: the search word is rare, as in a real catalogue (its
    # weight in corpus-wide scores such as bm25 then moves with every insert).
    await catalogue(runtime, world, [f"Grammar of the Korean language {n}" for n in range(40)])
    existing = await catalogue(runtime, world, [title(n % 7) for n in range(16)])
    seen, cursor = await page(runtime, filters, None)
    added: list[uuid.UUID] = []
    for request in itertools.count(1):
        if request <= inserts:  # shorter and longer ones, ranking before and after the cursor
            added += await catalogue(runtime, world, [title(request % 4), title(9)])
        assert request < 40
        ids, cursor = await page(runtime, filters, cursor)
        seen += ids
        if cursor is None:
            break
    assert len(seen) == len(set(seen))  # nothing repeated, new works included
    assert sorted(w for w in seen if w not in added) == sorted(existing)  # none hidden


async def test_a_stable_catalogue_pages_in_the_first_page_order(
    runtime: Runtime, world: World
) -> None:
    await catalogue(runtime, world, [title(n % 5) for n in range(9)])
    async with runtime.db.read() as session:
        whole = await works.list(
            SYSTEM, FILTERS[0], 50, None, session=session, policy=runtime.policy
        )
    paged, cursor = await page(runtime, FILTERS[0], None)
    while cursor is not None:
        ids, cursor = await page(runtime, FILTERS[0], cursor)
        paged += ids
    assert paged == [r.work.id for r in whole.items]
    assert len(paged) == 9


async def test_new_works_never_displace_old_ones_from_the_capped_candidates(
    runtime: Runtime, world: World
) -> None:
    """More matches than are ranked, and free space early in PostgreSQL's heap (updated
    works, vacuumed), where new rows land and would be met first by the candidate scan."""
    drafts = [
        WorkDraft(WorkKind.TEXTBOOK, [("en", title(n % 6))], "en", uuid.UUID(world.national))
        for n in range(search.RANKED + 60)
    ]
    async with runtime.db.unit_of_work() as uow:
        created = await works.create_many(SYSTEM, drafts, uow=uow, policy=runtime.policy)
        for work_id in created[:200]:
            assert isinstance(work_id, uuid.UUID)
            patch = works.WorkPatch(year=2001)
            await works.update(SYSTEM, work_id, patch, uow=uow, policy=runtime.policy)
    if runtime.db.dialect == "postgresql":  # as autovacuum does in service
        async with runtime.db.writer.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(sa.text("VACUUM work"))
    filters = works.WorkFilter(search="atlas")

    async def every_page(insert: bool) -> list[uuid.UUID]:
        seen, cursor = await page(runtime, filters, None, size=20)
        while cursor is not None:
            if insert:
                await catalogue(runtime, world, [title(1), title(3), title(5)])
            ids, cursor = await page(runtime, filters, cursor, size=20)
            seen += ids
        return seen

    stable = await every_page(insert=False)
    assert len(stable) == search.RANKED
    assert await every_page(insert=True) == stable
