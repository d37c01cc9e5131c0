"""Identifiers in any usual spelling find their work, on both databases (issue 12, item 6)."""

from __future__ import annotations

import uuid

import pytest

from exchange.catalogue import service as works
from exchange.catalogue.lookup import recognize
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World

ISBN = IdentifierScheme.ISBN
ISSN = IdentifierScheme.ISSN
DOI = IdentifierScheme.DOI
PRAGMATIC = (ISBN, "9780201616224")
CHEMISTRY = (ISSN, "0317-8471")
ARTICLE = (DOI, "10.1000/abc.1")

SPELLINGS = [
    ("9780201616224", PRAGMATIC),
    ("978-0-201-61622-4", PRAGMATIC),  # as the API shows it
    ("978 0 201 61622 4", PRAGMATIC),
    ("0-201-61622-X", PRAGMATIC),  # its ISBN-10
    ("020161622x", PRAGMATIC),
    ("isbn:978-0-201-61622-4", PRAGMATIC),
    ("ISBN 020161622X", PRAGMATIC),
    ("ISBN-13: 978-0-201-61622-4", PRAGMATIC),
    ("urn:isbn:9780201616224", PRAGMATIC),  # as the Dublin Core export writes it
    ("0317-8471", CHEMISTRY),
    ("03178471", CHEMISTRY),
    ("ISSN 0317-8471", CHEMISTRY),
    ("issn:03178471", CHEMISTRY),
    ("10.1000/abc.1", ARTICLE),
    ("10.1000/ABC.1", ARTICLE),
    ("doi:10.1000/ABC.1", ARTICLE),
    ("DOI: 10.1000/abc.1", ARTICLE),
    ("https://doi.org/10.1000/ABC.1", ARTICLE),
    ("http://dx.doi.org/10.1000/abc.1", ARTICLE),
    ("info:doi/10.1000/abc.1", ARTICLE),
]


@pytest.mark.parametrize(("typed", "stored"), SPELLINGS)
def test_a_search_is_read_as_the_identifier_in_its_stored_form(
    typed: str, stored: tuple[IdentifierScheme, str]
) -> None:
    assert recognize(typed) == (stored,)


@pytest.mark.parametrize(
    "typed",
    [
        "physics",
        "2003",
        "978-0-201-61622-5",  # a wrong check digit
        "0201616224",  # the same
        "isbn 03178471",  # an ISSN, but said to be an ISBN
        "doi:11.1000/abc",
        "10.1000",
    ],
)
def test_what_is_no_identifier_is_not_read_as_one(typed: str) -> None:
    assert recognize(typed) == ()


async def catalogue(runtime: Runtime, world: World) -> dict[str, str]:
    """Three works with identifiers, and a review whose title quotes one of them."""
    drafts = [
        ("The Pragmatic Programmer", [(ISBN, "0-201-61622-X")]),
        ("Canadian Journal of Chemistry", [(ISSN, "0008-4042"), (ISSN, "03178471")]),
        ("A measured article", [(DOI, "https://doi.org/10.1000/ABC.1")]),
        ("Review of 9780201616224 and of 0317 8471", []),
    ]
    ids: dict[str, str] = {}
    async with runtime.db.unit_of_work() as uow:
        for title, identifiers in drafts:
            draft = WorkDraft(
                WorkKind.TEXTBOOK,
                [("en", title)],
                "en",
                uuid.UUID(world.national),
                identifiers=list(identifiers),
            )
            work = await works.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
            ids[str(work.id)] = title
    return ids


async def found(runtime: Runtime, search: str, **filters: object) -> list[str]:
    async with runtime.db.read() as session:
        page = await works.list(
            SYSTEM,
            works.WorkFilter(search=search, **filters),  # type: ignore[arg-type]
            20,
            None,
            session=session,
            policy=runtime.policy,
        )
    return [r.work.titles[0]["value"] for r in page.items]


async def test_every_spelling_of_an_identifier_finds_its_work(
    runtime: Runtime, world: World
) -> None:
    await catalogue(runtime, world)
    titles = {
        PRAGMATIC: "The Pragmatic Programmer",
        CHEMISTRY: "Canadian Journal of Chemistry",
        ARTICLE: "A measured article",
    }
    results = {typed: await found(runtime, typed) for typed, _ in SPELLINGS}
    quoted = "Review of 9780201616224 and of 0317 8471"
    expected = {typed: [titles[stored]] for typed, stored in SPELLINGS}
    # The review's title holds these as words: the work identified comes first, then it.
    expected["9780201616224"] = ["The Pragmatic Programmer", quoted]
    expected["0317-8471"] = ["Canadian Journal of Chemistry", quoted]
    assert results == expected


async def test_identifier_searches_combine_with_filters_and_text(
    runtime: Runtime, world: World
) -> None:
    await catalogue(runtime, world)
    assert await found(runtime, "978-0-201-61622-4", kind=WorkKind.TEXTBOOK) == [
        "The Pragmatic Programmer"
    ]
    assert await found(runtime, "978-0-201-61622-4", kind=WorkKind.JOURNAL) == []
    assert await found(runtime, "9780201616224", year_from=1900) == []  # no year: none kept
    assert await found(runtime, "978-1-4028-9462-6") == []  # valid, but nobody's
    assert await found(runtime, "8471") == ["Review of 9780201616224 and of 0317 8471"]
    assert await found(runtime, "0317 8471") == [  # an ISSN typed with a space, and words
        "Canadian Journal of Chemistry",
        "Review of 9780201616224 and of 0317 8471",
    ]


async def test_identifier_hits_page_by_cursor_before_the_text_hits(
    runtime: Runtime, world: World
) -> None:
    await catalogue(runtime, world)
    seen: list[str] = []
    after = None
    async with runtime.db.read() as session:
        for _ in range(3):
            page = await works.list(
                SYSTEM,
                works.WorkFilter(search="9780201616224"),
                1,
                after,
                session=session,
                policy=runtime.policy,
            )
            seen += [r.work.titles[0]["value"] for r in page.items]
            if not page.has_next:
                break
            after = page.items[-1].cursor
    assert seen == ["The Pragmatic Programmer", "Review of 9780201616224 and of 0317 8471"]
