"""Works and seminars through GraphQL: cataloguing, identifiers, search in every script,
who may write, and what listing costs in SQL queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from exchange.audit import chain
from exchange.catalogue import service as works
from exchange.catalogue.models import Work, WorkIdentifier, WorkKind
from exchange.catalogue.validation import ContributorDraft, WorkDraft
from exchange.identity.identity import SYSTEM
from exchange.ids import uuid7
from exchange.partners import service as partners
from exchange.runtime import Runtime
from tests.conftest import World, gql, operation

TEXTBOOK: dict[str, Any] = {
    "kind": "TEXTBOOK",
    "titles": [
        {"lang": "ko-Hang", "value": "인민대학습당의  교과서"},
        {"lang": "ko-Latn", "value": "Inmin Taehaksŭptang ŭi kyogwasŏ"},
    ],
    "language": "kor",
    "year": 2019,
    "subjects": ["교육", "libraries"],
    "level": "UNDERGRADUATE",
    "contributors": [{"name": "김철", "romanized": "Kim Ch'ŏl"}],
    "identifiers": [{"scheme": "ISBN", "value": "0-306-40615-2"}],
}


async def catalogue_state(runtime: Runtime) -> tuple[list[dict[str, Any]], list[str], int]:
    """What a refused write must leave alone: works, identifiers and the audit head."""
    async with runtime.db.read() as session:
        rows = (await session.exec(select(Work).order_by(col(Work.id)))).all()
        ids = (await session.exec(select(WorkIdentifier).order_by(col(WorkIdentifier.value)))).all()
        last = await chain.head(session)
    return [w.snapshot() for w in rows], [i.value for i in ids], last.seq if last else 0


async def create(client: Any, token: str, **change: Any) -> dict[str, Any]:
    body = await gql(client, operation("CreateWork"), {"input": {**TEXTBOOK, **change}}, token)
    result: dict[str, Any] = body["data"]["createWork"]
    return result


async def test_librarian_catalogues_a_work_for_own_partner_with_normalized_fields(
    client: Any, world: World
) -> None:
    created = await create(client, world.tokens["librarian"])
    assert created["__typename"] == "Work"
    assert created["titles"] == [
        {"lang": "ko-Hang", "value": "인민대학습당의 교과서"},
        {"lang": "ko-Latn", "value": "Inmin Taehaksŭptang ŭi kyogwasŏ"},
    ]
    assert (created["title"], created["language"], created["level"]) == (
        "인민대학습당의 교과서",
        "ko",
        "UNDERGRADUATE",
    )
    assert created["createdBy"] == {"id": world.national}
    assert created["identifiers"] == [{"scheme": "ISBN", "value": "978-0-306-40615-7"}]
    assert created["contributors"] == [{"name": "김철", "romanized": "Kim Ch'ŏl", "role": "AUTHOR"}]
    fetched = await gql(client, operation("Work"), {"id": created["id"]})
    assert fetched["data"]["work"]["subjects"] == ["교육", "libraries"]
    assert fetched["data"]["work"]["availableDigitally"] is False


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {"identifiers": [{"scheme": "ISBN", "value": "0-306-40615-3"}]},
            "identifiers[0].value",
            "invalid_check_digit",
        ),
        (
            {"identifiers": [{"scheme": "ISBN", "value": "978-0-306-40615-8"}]},
            "identifiers[0].value",
            "invalid_check_digit",
        ),
        (
            {"identifiers": [{"scheme": "ISSN", "value": "0378-5954"}]},
            "identifiers[0].value",
            "invalid_check_digit",
        ),
        (
            {"identifiers": [{"scheme": "ISBN", "value": "12"}]},
            "identifiers[0].value",
            "invalid_format",
        ),
        (
            {"identifiers": [{"scheme": "DOI", "value": "11.1/x"}]},
            "identifiers[0].value",
            "invalid_format",
        ),
        ({"language": "xx"}, "language", "unknown_language"),
        ({"titles": []}, "titles", "required"),
        ({"year": 99}, "year", "out_of_range"),
        ({"issues": [{"volume": "1", "number": "1", "year": 2020}]}, "issues", "not_allowed"),
        ({"courseNumber": "PHY-101"}, "courseNumber", "not_allowed"),
        ({"kind": "CO_PUBLICATION"}, "coAuthorPartnerIds", "too_few"),
    ],
)
async def test_bad_work_input_names_the_field_and_writes_nothing(
    client: Any, world: World, runtime: Runtime, change: dict[str, Any], field: str, code: str
) -> None:
    before = await catalogue_state(runtime)
    result = await create(client, world.tokens["librarian"], **change)
    assert result["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [(field, code)]
    assert await catalogue_state(runtime) == before


async def test_isbn_10_and_13_of_one_book_are_one_identifier_and_a_second_work_conflicts(
    client: Any, world: World, runtime: Runtime
) -> None:
    first = await create(
        client,
        world.tokens["librarian"],
        identifiers=[
            {"scheme": "ISBN", "value": "0306406152"},
            {"scheme": "ISBN", "value": "978-0-306-40615-7"},
            {"scheme": "DOI", "value": "https://doi.org/10.1000/ABC.1"},
            {"scheme": "ISSN", "value": "03785955"},
        ],
    )
    assert first["identifiers"] == [
        {"scheme": "ISBN", "value": "978-0-306-40615-7"},
        {"scheme": "DOI", "value": "10.1000/abc.1"},
        {"scheme": "ISSN", "value": "0378-5955"},
    ]
    before = await catalogue_state(runtime)
    second = await create(
        client,
        world.tokens["donor_librarian"],
        identifiers=[{"scheme": "ISBN", "value": "9780306406157"}],
    )
    assert second == {
        "__typename": "Conflict",
        "message": f"isbn 9780306406157 already identifies work {first['id']}",
        "existingId": first["id"],
    }
    assert await catalogue_state(runtime) == before


async def test_a_call_number_is_no_identity(client: Any, world: World) -> None:
    call = [{"scheme": "CALL_NUMBER", "value": " PL  907 .K56 "}]
    own = await create(client, world.tokens["librarian"], identifiers=call)
    other = await create(client, world.tokens["donor_librarian"], identifiers=call)
    assert (
        own["identifiers"]
        == other["identifiers"]
        == [{"scheme": "CALL_NUMBER", "value": "PL 907 .K56"}]
    )
    # Several editions share a call number: a second work may carry the same one.
    again = await create(client, world.tokens["librarian"], identifiers=call)
    assert again["__typename"] == "Work"
    assert again["id"] not in (own["id"], other["id"])
    assert again["identifiers"] == own["identifiers"]


@pytest.mark.parametrize("role", ["researcher", None])
async def test_only_librarians_and_staff_catalogue_and_a_denial_changes_nothing(
    client: Any, world: World, runtime: Runtime, role: str | None
) -> None:
    before = await catalogue_state(runtime)
    token = world.tokens[role] if role else None
    body = await gql(
        client, operation("CreateWork"), {"input": {**TEXTBOOK, "partnerId": world.national}}, token
    )
    result = body["data"]["createWork"]
    assert result == {
        "__typename": "PermissionDenied",
        "message": "not allowed to work.create: only librarians of the cataloguing partner,"
        " coordinators or admins may",
        "action": "work.create",
        "reason": "only librarians of the cataloguing partner, coordinators or admins may",
    }
    assert await catalogue_state(runtime) == before


async def test_a_librarian_catalogues_only_for_own_partner(
    client: Any, world: World, runtime: Runtime
) -> None:
    before = await catalogue_state(runtime)
    denied = await create(client, world.tokens["donor_librarian"], partnerId=world.national)
    assert denied["__typename"] == "PermissionDenied"
    assert await catalogue_state(runtime) == before
    coordinator = await create(client, world.tokens["coordinator"], partnerId=world.national)
    assert coordinator["createdBy"] == {"id": world.national}


async def test_only_the_creating_partner_or_staff_edit_a_work(
    client: Any, world: World, runtime: Runtime
) -> None:
    work = await create(client, world.tokens["librarian"])
    before = await catalogue_state(runtime)
    denied = await gql(
        client,
        operation("UpdateWork"),
        {"input": {"id": work["id"], "year": 2001}},
        world.tokens["donor_librarian"],
    )
    assert denied["data"]["updateWork"]["__typename"] == "PermissionDenied"
    assert await catalogue_state(runtime) == before

    own = await gql(
        client,
        operation("UpdateWork"),
        {"input": {"id": work["id"], "year": 2001}},
        world.tokens["librarian"],
    )
    assert (own["data"]["updateWork"]["year"], own["data"]["updateWork"]["identifiers"]) == (
        2001,
        [{"scheme": "ISBN", "value": "978-0-306-40615-7"}],
    )
    staff = await gql(
        client,
        operation("UpdateWork"),
        {"input": {"id": work["id"], "contributors": [{"name": "Ri Su-yŏn", "role": "EDITOR"}]}},
        world.tokens["coordinator"],
    )
    assert staff["data"]["updateWork"]["contributors"] == [
        {"name": "Ri Su-yŏn", "romanized": None, "role": "EDITOR"}
    ]
    missing = await gql(
        client, operation("UpdateWork"), {"input": {"id": str(uuid.uuid4())}}, world.tokens["admin"]
    )
    assert missing["data"]["updateWork"]["__typename"] == "NotFound"


async def test_update_work_keeps_a_field_left_out_or_given_as_null(
    client: Any, world: World, runtime: Runtime
) -> None:
    work = await create(client, world.tokens["librarian"], publisher="Pyongyang Press")
    for change in ({"subjects": ["geology"]}, {"year": None, "level": None, "publisher": None}):
        body = await gql(
            client,
            operation("UpdateWork"),
            {"input": {"id": work["id"], **change}},
            world.tokens["librarian"],
        )
        got = body["data"]["updateWork"]
        assert (got["year"], got["level"], got["publisher"], got["subjects"]) == (
            2019,
            "UNDERGRADUATE",
            "Pyongyang Press",
            ["geology"],
        )


async def test_suspended_partner_librarian_neither_catalogues_nor_edits(
    client: Any, world: World, runtime: Runtime
) -> None:
    work = await create(client, world.tokens["librarian"])
    async with runtime.db.unit_of_work() as uow:
        await partners.suspend(
            SYSTEM, uuid.UUID(world.national), "review", uow=uow, policy=runtime.policy
        )
    before = await catalogue_state(runtime)
    created = await create(client, world.tokens["librarian"], identifiers=[])
    assert created["__typename"] == "PermissionDenied"
    edit = await gql(
        client,
        operation("UpdateWork"),
        {"input": {"id": work["id"], "year": 2001}},
        world.tokens["librarian"],
    )
    assert edit["data"]["updateWork"]["__typename"] == "PermissionDenied"
    assert await catalogue_state(runtime) == before


CATALOGUE: list[tuple[WorkKind, list[tuple[str, str]], str, int, list[str]]] = [
    (
        WorkKind.TEXTBOOK,
        [("ko-Hang", "인민대학습당의 교과서"), ("ko-Latn", "Inmin Taehaksŭptang ŭi kyogwasŏ")],
        "ko",
        2019,
        [],
    ),
    (WorkKind.TEXTBOOK, [("ko-Hang", "고등수학 학습참고서")], "ko", 2015, ["수학"]),
    (WorkKind.TEXTBOOK, [("ru", "Учебник физики для вузов")], "ru", 1987, ["физика"]),
    (
        WorkKind.OTHER,
        [("zh-Hans", "中国古代物理学史"), ("zh-Latn", "Zhongguo gudai wulixue shi")],
        "zh",
        2003,
        [],
    ),
    (WorkKind.TEXTBOOK, [("en", "Physics Physics Problems")], "en", 2010, ["physics"]),
    (
        WorkKind.OTHER,
        [("en", "A long history of science in many volumes with a physics appendix")],
        "en",
        1999,
        [],
    ),
]


@pytest.fixture
async def catalogue(runtime: Runtime, world: World) -> dict[str, str]:
    """The works above, catalogued for the national library (the last one for the donor)."""
    ids: dict[str, str] = {}
    async with runtime.db.unit_of_work() as uow:
        for index, (kind, titles, language, year, subjects) in enumerate(CATALOGUE):
            partner = world.donor if index == len(CATALOGUE) - 1 else world.national
            draft = WorkDraft(
                kind,
                titles,
                language,
                uuid.UUID(partner),
                [ContributorDraft("Author")],
                year=year,
                subjects=subjects,
            )
            work = await works.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
            ids[titles[0][1]] = str(work.id)
    return ids


async def titles(
    client: Any,
    search: str | None = None,
    filter_: dict[str, Any] | None = None,
    token: str | None = None,
    **page: Any,
) -> list[str]:
    variables = {"search": search, "filter": filter_, **page}
    body = await gql(client, operation("Works"), variables, token)
    return [e["node"]["title"] for e in body["data"]["works"]["edges"]]


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("학습", ["고등수학 학습참고서", "인민대학습당의 교과서"]),  # shorter text ranks first
        ("대학습당", ["인민대학습당의 교과서"]),
        ("습당의 교과", ["인민대학습당의 교과서"]),
        ("taehaksuptang", ["인민대학습당의 교과서"]),
        ("TAEHAKSŬPTANG kyogwa", ["인민대학습당의 교과서"]),
        ("учебник", ["Учебник физики для вузов"]),
        ("ФИЗИК", ["Учебник физики для вузов"]),
        ("物理", ["中国古代物理学史"]),
        ("古代物理学", ["中国古代物理学史"]),
        ("wulixue", ["中国古代物理学史"]),
        (
            "physics",
            [
                "Physics Physics Problems",
                "A long history of science in many volumes with a physics appendix",
            ],
        ),
        ("수학", ["고등수학 학습참고서"]),
        ("nothing-like-this", []),
    ],
)
async def test_search_finds_works_in_every_script_ranked(
    client: Any, catalogue: dict[str, str], search: str, found: list[str]
) -> None:
    result = await titles(client, search)
    assert result == found


async def test_one_word_matches_inside_words_on_postgresql_and_whole_words_rank_first(
    client: Any, catalogue: dict[str, str], runtime: Runtime
) -> None:
    inside = await titles(client, "haksuptang")  # inside "Taehaksŭptang"
    ranked = await titles(client, "physic")  # a word prefix in both titles
    if runtime.db.dialect == "postgresql":  # the trigram index finds pieces of words
        assert inside == ["인민대학습당의 교과서"]
    else:  # FTS5 matches words by their beginnings only
        assert inside == []
    assert ranked == [
        "Physics Physics Problems",
        "A long history of science in many volumes with a physics appendix",
    ]
    assert await titles(client, "hysics") == (  # inside only: after any whole-word hit
        ranked if runtime.db.dialect == "postgresql" else []
    )


async def test_one_syllable_hangul_query_matches_anywhere_in_a_word(
    client: Any, catalogue: dict[str, str]
) -> None:
    assert sorted(await titles(client, "당")) == ["인민대학습당의 교과서"]
    assert sorted(await titles(client, "학")) == ["고등수학 학습참고서", "인민대학습당의 교과서"]


async def test_search_filters_combine(client: Any, world: World, catalogue: dict[str, str]) -> None:
    assert await titles(client, None, {"language": "rus"}) == ["Учебник физики для вузов"]
    assert await titles(client, "physics", {"kind": "TEXTBOOK"}) == ["Physics Physics Problems"]
    assert await titles(client, None, {"yearFrom": 2000, "yearTo": 2015}) == [
        "고등수학 학습참고서",
        "中国古代物理学史",
        "Physics Physics Problems",
    ]
    signed_in = world.tokens["researcher"]
    assert await titles(client, "physics", {"partnerId": world.donor}, signed_in) == [
        "A long history of science in many volumes with a physics appendix"
    ]
    assert await titles(client, None, {"availableDigitally": True}) == []
    assert len(await titles(client, None, {"availableDigitally": False})) == len(CATALOGUE)


async def test_ranked_results_page_by_cursor_without_repeats(
    client: Any, catalogue: dict[str, str]
) -> None:
    expected = await titles(client, "학")
    seen: list[str] = []
    after = None
    while True:
        body = await gql(client, operation("Works"), {"search": "학", "first": 1, "after": after})
        page = body["data"]["works"]
        seen += [e["node"]["title"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    listed: list[str] = []
    after = None
    for _ in range(10):
        body = await gql(client, operation("Works"), {"first": 4, "after": after})
        listed += [e["node"]["title"] for e in body["data"]["works"]["edges"]]
        after = body["data"]["works"]["pageInfo"]["endCursor"]
        if not body["data"]["works"]["pageInfo"]["hasNextPage"]:
            break
    assert listed == [c[1][0][1] for c in CATALOGUE]


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"first": 101}, "first", "out_of_range"),
        ({"after": "@@@"}, "after", "invalid_cursor"),
        ({"after": "bmFufDAxOWFkNmY0YjA4YzcwMDA4MDAwMDAwMDAwMDAwMDAw"}, "after", "invalid_cursor"),
        ({"search": "x" * 201}, "search", "too_long"),
    ],
)
async def test_bad_search_requests_are_typed_errors(
    client: Any, world: World, variables: dict[str, Any], field: str, code: str
) -> None:
    body = await gql(client, operation("Works"), variables)
    assert body["data"] is None
    fields = body["errors"][0]["extensions"]["fields"]
    assert [(f["field"], f["code"]) for f in fields] == [(field, code)]


async def test_journal_issues_and_co_publication_partners(client: Any, world: World) -> None:
    journal = await create(
        client,
        world.tokens["librarian"],
        kind="JOURNAL",
        identifiers=[{"scheme": "ISSN", "value": "0378-5955"}],
        issues=[
            {"volume": "12", "number": "2", "year": 2021},
            {"volume": "11", "number": "1", "year": 2020},
        ],
    )
    assert [{k: v for k, v in i.items() if k != "id"} for i in journal["issues"]] == [
        {"volume": "11", "number": "1", "year": 2020},
        {"volume": "12", "number": "2", "year": 2021},
    ]
    co = await create(
        client,
        world.tokens["coordinator"],
        kind="CO_PUBLICATION",
        identifiers=[],
        partnerId=world.national,
        coAuthorPartnerIds=[world.national, world.donor],
    )
    assert sorted(p["id"] for p in co["coAuthors"]) == sorted([world.national, world.donor])
    anonymous = await gql(client, operation("Work"), {"id": co["id"]})
    assert [p["id"] for p in anonymous["data"]["work"]["coAuthors"]] == [
        world.national
    ]  # donor is not public


async def test_seminar_gathers_recorded_lecture_and_slides(
    client: Any, world: World, runtime: Runtime
) -> None:
    lecture = await create(
        client,
        world.tokens["librarian"],
        kind="RECORDED_LECTURE",
        identifiers=[],
        titles=[{"lang": "en", "value": "Linear algebra, lecture 3"}],
        courseNumber="MATH-201",
        instructor="Dr. Han Myŏng-ok",
        durationSeconds=5400,
    )
    slides = await create(
        client,
        world.tokens["librarian"],
        kind="SEMINAR_MATERIAL",
        identifiers=[],
        titles=[{"lang": "en", "value": "Slides: eigenvalues"}],
    )
    textbook = await create(client, world.tokens["librarian"], identifiers=[])
    seminar_input = {
        "title": "Linear algebra seminar",
        "language": "en",
        "heldOn": "2025-05-14",
        "presenters": ["Han Myŏng-ok"],
        "materialIds": [lecture["id"], slides["id"]],
    }
    created = await gql(
        client, operation("CreateSeminar"), {"input": seminar_input}, world.tokens["librarian"]
    )
    seminar = created["data"]["createSeminar"]
    assert seminar["host"] == {"id": world.national}
    assert [m["kind"] for m in seminar["materials"]] == ["RECORDED_LECTURE", "SEMINAR_MATERIAL"]

    bad = await gql(
        client,
        operation("CreateSeminar"),
        {"input": {**seminar_input, "materialIds": [textbook["id"]]}},
        world.tokens["librarian"],
    )
    assert [(f["field"], f["code"]) for f in bad["data"]["createSeminar"]["fields"]] == [
        ("materialIds[0]", "not_material")
    ]
    denied = await gql(
        client,
        operation("UpdateSeminar"),
        {"input": {"id": seminar["id"], "title": "x"}},
        world.tokens["donor_librarian"],
    )
    assert denied["data"]["updateSeminar"]["__typename"] == "PermissionDenied"

    assert await titles(client, "MATH-201") == ["Linear algebra, lecture 3"]
    assert await titles(client, "han myong") == ["Linear algebra, lecture 3"]
    work = await gql(client, operation("Work"), {"id": lecture["id"]})
    assert work["data"]["work"]["seminars"] == [
        {"id": seminar["id"], "title": "Linear algebra seminar", "heldOn": "2025-05-14"}
    ]
    listed = await gql(client, operation("Seminars"), {"filter": {"hostPartnerId": world.national}})
    assert [
        e["node"]["materials"][0]["courseNumber"] for e in listed["data"]["seminars"]["edges"]
    ] == ["MATH-201"]
    updated = await gql(
        client,
        operation("UpdateSeminar"),
        {"input": {"id": seminar["id"], "materialIds": [slides["id"]]}},
        world.tokens["coordinator"],
    )
    assert [m["id"] for m in updated["data"]["updateSeminar"]["materials"]] == [slides["id"]]


@contextmanager
def counting_queries(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engines = {runtime.db.reader.sync_engine, runtime.db.writer.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


async def test_listing_works_costs_the_same_queries_for_5_and_50_works(
    client: Any, world: World, runtime: Runtime
) -> None:
    async def add(count: int) -> None:
        async with runtime.db.unit_of_work() as uow:
            for _ in range(count):
                draft = WorkDraft(
                    WorkKind.CO_PUBLICATION,
                    [("en", "Joint atlas")],
                    "en",
                    uuid.UUID(world.national),
                    [ContributorDraft("A"), ContributorDraft("B")],
                    co_author_partner_ids=[uuid.UUID(world.national), uuid.UUID(world.donor)],
                )
                await works.create(SYSTEM, draft, uow=uow, policy=runtime.policy)

    async def listing_cost(document: str = operation("Works")) -> tuple[int, int]:
        with counting_queries(runtime) as statements:
            body = await gql(
                client, document, {"search": "atlas", "first": 100}, world.tokens["researcher"]
            )
        assert "errors" not in body
        return len(body["data"]["works"]["edges"]), len(statements)

    await add(5)
    five, cost_five = await listing_cost()
    await add(45)
    fifty, cost_fifty = await listing_cost()
    assert (five, fifty) == (5, 50)
    # One session for the request (exchange.api.reads): BEGIN on SQLite, the plan setting
    # on PostgreSQL; the token, then the search, the works' lists in one union, their
    # seminars, their creating partners and their co-authoring partners.
    assert cost_fifty == cost_five == 7
    # The same fields asked through fragments are read along with the page just the same.
    through_fragments = """
      query Works($search: String, $first: Int) {
        works(search: $search, first: $first) { ...Page }
      }
      fragment Page on WorkConnection { edges { node { ...Listed } } }
      fragment Listed on Work {
        id
        ... on Work { contributors { name } createdBy { name } }
        coAuthors { name }
        seminars { title }
      }
    """
    assert await listing_cost(through_fragments) == (50, 7)


async def test_anonymous_filtering_by_a_hidden_partner_answers_as_if_it_did_not_exist(
    client: Any, world: World, catalogue: dict[str, str]
) -> None:
    """The donor is not public: filtering by it must not confirm that it exists."""

    async def body(partner: str, token: str | None = None) -> dict[str, Any]:
        variables = {"search": None, "filter": {"partnerId": partner}}
        return await gql(client, operation("Works"), variables, token)

    hidden, unknown = await body(world.donor), await body(str(uuid7()))
    assert hidden == unknown
    assert hidden["data"]["works"]["edges"] == []
    assert hidden["data"]["works"]["pageInfo"]["hasNextPage"] is False
    seen = await body(world.donor, world.tokens["researcher"])
    assert len(seen["data"]["works"]["edges"]) == 1
