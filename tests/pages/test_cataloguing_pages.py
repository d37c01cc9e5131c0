"""Cataloguing in pages: a librarian catalogues a work (titles in two scripts, an ISBN, a
contributor) and edits it; a refused form comes back as typed with each domain error
beside its field and nothing written; the form and its links are offered only to whom
Cedar lets catalogue, and a direct post by anyone else is refused with nothing written."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

from exchange.identity.identity import SYSTEM, Role
from exchange.partners import service as partners
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, rows, sign_in

LIBRARIAN = "kim@example.org"
READER = "reader@example.org"
OTHER = "lee@example.org"  # a librarian of another partner
NOT_ITS_WORK = (
    "not allowed to edit this work: only librarians of the cataloguing partner,"
    " coordinators or admins may"
)
_SUSPENDED = "a partner it concerns is suspended (only admins act on it until it is reactivated)"
_KO_SUSPENDED = "관련 협력 기관이 정지되었습니다 (다시 활성화될 때까지 관리자만 처리할 수 있습니다)"
SUSPENDED = {
    "en": (
        f"not allowed to catalogue a work: {_SUSPENDED}",
        f"not allowed to edit this work: {_SUSPENDED}",
    ),
    "ko": (
        f"저작 목록 작성 권한이 없습니다: {_KO_SUSPENDED}",
        f"이 저작 수정 권한이 없습니다: {_KO_SUSPENDED}",
    ),
}
ISBN = "978-89-300-0001-7"
BAD_ISBN = "978-89-300-0001-8"


@pytest.fixture
async def people(runtime: Runtime, world: World) -> None:
    await person(runtime, LIBRARIAN, world.national, Role.LIBRARIAN)
    await person(runtime, READER, world.national, Role.RESEARCHER)
    await person(runtime, OTHER, world.donor, Role.LIBRARIAN)


def _form(csrf: str, partner: str, **extra: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "partner": partner,
        "kind": "textbook",
        "language": "kor",
        "level": "undergraduate",
        "year": "1998",
        "title_count": "2",
        "title-0-lang": "ko-Hang",
        "title-0-value": "조선어 문법",
        "title-1-lang": "ko-Latn",
        "title-1-value": "Chosŏnŏ munpŏp",
        "identifier_count": "2",
        "identifier-0-scheme": "isbn",
        "identifier-0-value": ISBN,
        "identifier-1-scheme": "isbn",
        "identifier-1-value": "",
        "contributor_count": "1",
        "contributor-0-name": "김영희",
        "contributor-0-romanized": "Kim Yŏnghŭi",
        "contributor-0-role": "author",
        "subjects": "linguistics\nKorean language",
        "action": "save",
        **extra,
    }


async def _works(runtime: Runtime) -> list[tuple[object, ...]]:
    return await rows(runtime, "SELECT id, kind, titles, language, year, level FROM work")


async def _written(runtime: Runtime) -> list[tuple[object, ...]]:
    """Every row the cataloguing writes, and the audit events (nothing after a refusal)."""
    return await rows(
        runtime,
        "SELECT 'work', id FROM work UNION ALL SELECT 'identifier', value FROM work_identifier"
        " UNION ALL SELECT 'contributor', name FROM work_contributor"
        " UNION ALL SELECT 'audit', action FROM audit_event WHERE action LIKE 'work.%'",
    )


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_a_librarian_catalogues_a_work_in_two_scripts_with_an_isbn(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None, language: str
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    client.headers["Accept-Language"] = language
    dashboard = await client.get("/dashboard")
    catalogue_page = await client.get("/catalogue")
    assert 'href="/catalogue/works/new"' in dashboard.text
    assert 'href="/catalogue/works/new"' in catalogue_page.text
    form = await client.get("/catalogue/works/new")
    assert form.status_code == 200
    heading = "자료 목록에 올리기" if language == "ko" else "Catalogue a work"
    assert f"<h1>{heading}</h1>" in form.text
    assert f'<option value="{world.national}" selected' in form.text

    posted = await client.post("/catalogue/works/new", data=_form(csrf, world.national))
    assert posted.status_code == 303, posted.text
    [(work_id, kind, titles, lang, year, level)] = await _works(runtime)
    assert posted.headers["location"] == f"/catalogue/works/{uuid.UUID(str(work_id))}"
    assert (kind, lang, year, level) == ("textbook", "ko", 1998, "undergraduate")
    assert (json.loads(titles) if isinstance(titles, str) else titles) == [
        {"lang": "ko-Hang", "value": "조선어 문법"},
        {"lang": "ko-Latn", "value": "Chosŏnŏ munpŏp"},
    ]
    assert await rows(runtime, "SELECT scheme, value FROM work_identifier") == [
        ("isbn", "9788930000017")
    ]
    assert await rows(runtime, "SELECT name, romanized, role FROM work_contributor") == [
        ("김영희", "Kim Yŏnghŭi", "author")
    ]
    page = await client.get(posted.headers["location"])
    assert '<h1 lang="ko-Hang">조선어 문법</h1>' in page.text
    assert '<span lang="ko-Latn">Chosŏnŏ munpŏp</span>' in page.text
    assert f"<abbr>ISBN</abbr> {ISBN}" in page.text
    assert 'id="work-edit"' in page.text
    assert 'id="work-upload"' in page.text


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "the check digit is wrong"), ("ko", "검사 숫자가 틀렸습니다")],
)
async def test_a_bad_isbn_is_shown_beside_its_field_with_the_values_kept_and_nothing_written(
    client: httpx.AsyncClient,
    runtime: Runtime,
    world: World,
    people: None,
    language: str,
    message: str,
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    client.headers["Accept-Language"] = language
    data = _form(csrf, world.national, **{"identifier-0-value": BAD_ISBN})
    posted = await client.post("/catalogue/works/new", data=data)
    assert posted.status_code == 400
    assert f'<p class="error" id="identifier-0-value-error">{message}</p>' in posted.text
    assert re.search(
        r'id="identifier-0-value" name="identifier-0-value" value="978-89-300-0001-8"[^>]*'
        r'aria-invalid="true" aria-describedby="identifier-0-value-error"',
        posted.text,
    )
    assert 'name="title-0-value" value="조선어 문법" lang="ko-Hang"' in posted.text
    assert 'name="title-1-value" value="Chosŏnŏ munpŏp" lang="ko-Latn"' in posted.text
    assert 'name="contributor-0-romanized" value="Kim Yŏnghŭi"' in posted.text
    assert 'name="year" value="1998"' in posted.text
    assert await _written(runtime) == []


async def test_each_domain_error_shows_beside_its_own_field(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    data = _form(
        csrf,
        world.national,
        **{"title-1-lang": "korean!", "year": "20", "language": "xx", "contributor-0-name": ""},
    )
    posted = await client.post("/catalogue/works/new", data=data)
    assert posted.status_code == 400
    shown = dict(re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>', posted.text))
    assert shown == {
        "title-1-lang": "&#39;korean!&#39; is not a language tag such as en or ko-Hang",
        "year": "a year from 1000 to next years",
        "language": "&#39;xx&#39; is not ISO 639",
        "contributor-0-name": "name is empty",
    }
    assert await _written(runtime) == []


async def test_add_a_row_keeps_what_was_typed_and_writes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    posted = await client.post(
        "/catalogue/works/new", data=_form(csrf, world.national, action="add")
    )
    assert posted.status_code == 200
    assert 'name="title_count" value="3"' in posted.text
    assert 'name="identifier_count" value="3"' in posted.text
    assert 'name="contributor_count" value="2"' in posted.text
    assert 'id="title-2-value" name="title-2-value" value=""' in posted.text
    assert 'name="title-1-value" value="Chosŏnŏ munpŏp"' in posted.text
    assert await _written(runtime) == []


async def test_an_identifier_another_work_holds_is_refused_beside_the_identifiers(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    assert (
        await client.post("/catalogue/works/new", data=_form(csrf, world.national))
    ).status_code == 303
    before = await _written(runtime)
    again = await client.post("/catalogue/works/new", data=_form(csrf, world.national))
    assert again.status_code == 409
    [(work_id, *_)] = await _works(runtime)
    link = f'<a href="/catalogue/works/{uuid.UUID(str(work_id))}">'
    named = 'work “<span lang="ko-Hang">조선어 문법</span>”</a>'
    shown = again.text.split('id="identifiers-error">', 1)[1].split("</p>", 1)[0]
    assert shown == f"isbn 9788930000017 already identifies {link}{named}"
    assert await _written(runtime) == before


async def test_a_researcher_is_offered_no_form_and_a_post_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None
) -> None:
    csrf = await sign_in(client, READER)
    assert 'href="/catalogue/works/new"' not in (await client.get("/dashboard")).text
    assert 'href="/catalogue/works/new"' not in (await client.get("/catalogue")).text
    form = await client.get("/catalogue/works/new")
    assert form.status_code == 403
    assert (
        '<p id="problem">not allowed to catalogue a work: only librarians'
        " of the cataloguing partner, coordinators or admins may</p>"
    ) in form.text
    posted = await client.post("/catalogue/works/new", data=_form(csrf, world.national))
    assert posted.status_code == 403
    assert (
        '<p class="error" id="partner-error">not allowed to catalogue a work: only librarians'
        " of the cataloguing partner, coordinators or admins may</p>"
    ) in posted.text
    assert await _written(runtime) == []


async def test_a_librarian_edits_its_partners_work_and_no_one_elses(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    await client.post("/catalogue/works/new", data=_form(csrf, world.national))
    [(work_id, *_)] = await _works(runtime)
    path = f"/catalogue/works/{uuid.UUID(str(work_id))}"
    form = await client.get(path + "/edit")
    assert form.status_code == 200
    assert 'name="title-1-value" value="Chosŏnŏ munpŏp" lang="ko-Latn"' in form.text
    assert f'name="identifier-0-value" value="{ISBN}"' in form.text
    assert 'name="title_count" value="3"' in form.text  # the two titles and an empty row
    changed = _form(csrf, world.national, year="2001", **{"identifier-0-value": "9788966260102"})
    posted = await client.post(path + "/edit", data=changed)
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == path
    assert [w[4] for w in await _works(runtime)] == [2001]
    assert await rows(runtime, "SELECT value FROM work_identifier") == [("9788966260102",)]

    bad = await client.post(path + "/edit", data=_form(csrf, world.national, year="1"))
    assert bad.status_code == 400
    assert '<p class="error" id="year-error">a year from 1000 to next years</p>' in bad.text
    assert [w[4] for w in await _works(runtime)] == [2001]

    before = await _written(runtime)
    other = await sign_in(client, OTHER)
    assert 'id="work-edit"' not in (await client.get(path)).text
    edit = await client.get(path + "/edit")
    assert edit.status_code == 403
    assert f'<p id="problem">{NOT_ITS_WORK}</p>' in edit.text  # the policy's reason
    refused = await client.post(path + "/edit", data=_form(other, world.national, year="1999"))
    assert refused.status_code == 403
    assert f'<p id="problem">{NOT_ITS_WORK}</p>' in refused.text
    assert [w[4] for w in await _works(runtime)] == [2001]
    assert await _written(runtime) == before


async def test_an_edit_clears_the_year_level_and_duration_left_empty(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    lecture = {"kind": "recorded_lecture", "course_number": "AGR-301", "duration_minutes": "90"}
    await client.post("/catalogue/works/new", data=_form(csrf, world.national, **lecture))
    [(work_id, *_)] = await _works(runtime)
    path = f"/catalogue/works/{uuid.UUID(str(work_id))}"
    shown = (await client.get(path + "/edit")).text
    assert 'name="year" value="1998"' in shown
    assert 'name="duration_minutes" value="90"' in shown
    lectures = "SELECT year, level, duration_seconds, course_number FROM work"
    assert await rows(runtime, lectures) == [(1998, "undergraduate", 5400, "AGR-301")]

    emptied = {**lecture, "year": "", "level": "", "duration_minutes": ""}
    posted = await client.post(path + "/edit", data=_form(csrf, world.national, **emptied))
    assert posted.status_code == 303, posted.text
    assert await rows(runtime, lectures) == [(None, None, None, "AGR-301")]
    shown = (await client.get(path + "/edit")).text
    assert 'name="year" value=""' in shown
    assert 'name="duration_minutes" value=""' in shown

    # a lecture becomes a textbook once its lecture fields are emptied
    textbook = {"kind": "textbook", "year": "2001"}
    posted = await client.post(path + "/edit", data=_form(csrf, world.national, **textbook))
    assert posted.status_code == 303, posted.text
    assert await rows(runtime, lectures) == [(2001, "undergraduate", None, None)]


@pytest.mark.parametrize(
    ("fields", "status", "shown"),
    [
        ({"year": "²"}, 400, ("year", "Enter a whole number.")),
        ({"duration_minutes": "9" * 50}, 400, ("duration_minutes", "between 0 and 1440")),
        ({"title-0-value": "조선어\x00문법"}, 400, ("title-0-value", "U+0000 at position")),
        ({"kind": "pamphlet"}, 400, ("kind", "Choose a kind from the list.")),
        ({"identifier-0-scheme": "ssn"}, 400, ("identifier-0-scheme", "Choose a kind of")),
        ({"title_count": "²"}, 400, None),
        ({"title_count": "51"}, 400, None),
    ],
)
async def test_what_the_form_cannot_read_is_refused_by_its_field_and_nothing_written(
    client: httpx.AsyncClient,
    runtime: Runtime,
    world: World,
    people: None,
    fields: dict[str, str],
    status: int,
    shown: tuple[str, str] | None,
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    posted = await client.post("/catalogue/works/new", data=_form(csrf, world.national, **fields))
    assert posted.status_code == status
    if shown is not None:
        field, message = shown
        assert f'<p class="error" id="{field}-error">{message}' in posted.text
    assert await _written(runtime) == []


async def test_a_suspended_partners_librarian_is_offered_nothing_and_refused(
    client: httpx.AsyncClient, runtime: Runtime, world: World, people: None
) -> None:
    """Cedar's suspension rule, not a role, decides: the librarian keeps its role."""
    csrf = await sign_in(client, LIBRARIAN)
    await client.post("/catalogue/works/new", data=_form(csrf, world.national))
    [(work_id, *_)] = await _works(runtime)
    path = f"/catalogue/works/{uuid.UUID(str(work_id))}"
    async with runtime.db.unit_of_work() as uow:
        await partners.suspend(
            SYSTEM, uuid.UUID(world.national), "dues", uow=uow, policy=runtime.policy
        )
    before = await _written(runtime)
    assert 'href="/catalogue/works/new"' not in (await client.get("/dashboard")).text
    work_page = (await client.get(path)).text
    assert 'id="work-edit"' not in work_page
    assert 'id="work-upload"' not in work_page
    for lang, (new_work, its_work) in SUSPENDED.items():
        client.cookies.set("lang", lang)
        form = await client.get("/catalogue/works/new")  # said why: not a role, the suspension
        assert form.status_code == 403
        assert f'<p id="problem">{new_work}</p>' in form.text
        edit = await client.get(path + "/edit")
        assert edit.status_code == 403
        assert f'<p id="problem">{its_work}</p>' in edit.text
        refused = await client.post(path + "/edit", data=_form(csrf, world.national, year="2001"))
        assert refused.status_code == 403
        assert f'<p id="problem">{its_work}</p>' in refused.text
    assert await _written(runtime) == before
