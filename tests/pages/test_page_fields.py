"""What the pages refuse by the field it concerns, with nothing written: numbers that are not
whole ASCII numbers ("²" passes ``str.isdigit`` and then fails ``int``), text the domain's
rule refuses (never cut silently), forms that are not UTF-8, and an expiry no layer can hold.
Each case was once a 500, a misleading 404, or a silent change of what was typed."""

from __future__ import annotations

import uuid

import httpx
import pytest

from exchange import errors
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Role
from exchange.pages import web
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import member_signed_in, person, rows, sign_in


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("²", "invalid"),
        ("٣", "invalid"),  # an Arabic-Indic digit: a digit to Python, not to the form
        ("1e3", "invalid"),
        ("-1", "invalid"),
        ("", "invalid"),
        (None, "invalid"),
        ("101", "out_of_range"),
        ("9" * 5000, "out_of_range"),
    ],
)
def test_whole_number_refuses_by_the_field(raw: str | None, code: str) -> None:
    with pytest.raises(errors.ValidationFailed) as refused:
        web.whole_number(raw, "count", high=100)
    assert [(e.field, e.code) for e in refused.value.errors] == [("count", code)]


def test_whole_number_reads_ascii_digits_within_the_bounds() -> None:
    assert web.whole_number(" 042 ", "count", high=100) == 42
    assert web.whole_number("0" * 50 + "7", "count", high=100) == 7
    assert web.whole_number("100", "count", low=1, high=100) == 100


async def _librarian(client: httpx.AsyncClient, runtime: Runtime, world: World) -> str:
    await person(runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    return await sign_in(client, "lena@example.org")


async def _work(runtime: Runtime, world: World) -> str:
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK, [("en", "Calculus")], "eng", partner_id=uuid.UUID(world.donor)
        )
        work = await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    return str(work.id)


def _offer(csrf: str, partner: str, work: str, **fields: str) -> dict[str, str]:
    base = {
        "csrf": csrf,
        "line_count": "1",
        "partner": partner,
        "expires": "2099-01-31",
        "terms": "",
        "licence": "",
        "line-0-work": work,
        "line-0-quantity": "1",
        "line-0-format": "print",
        "line-0-condition": "good",
        "action": "save",
    }
    return base | fields


@pytest.mark.parametrize("path", ["/offers/new", "/requests/new"])
async def test_a_line_count_that_is_not_a_number_is_a_400_naming_it(
    client: httpx.AsyncClient, runtime: Runtime, world: World, path: str
) -> None:
    csrf = await _librarian(client, runtime, world)
    answer = await client.post(path, data={"csrf": csrf, "line_count": "²", "partner": world.donor})
    assert answer.status_code == 400, answer.text
    assert "line_count: Enter a whole number." in answer.text
    assert await rows(runtime, "SELECT count(*) FROM offer") == [(0,)]
    assert await rows(runtime, "SELECT count(*) FROM resource_request") == [(0,)]


async def test_an_offer_quantity_in_superscript_is_shown_by_its_field(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await _librarian(client, runtime, world)
    work = await _work(runtime, world)
    answer = await client.post(
        "/offers/new", data=_offer(csrf, world.donor, work, **{"line-0-quantity": "²"})
    )
    assert answer.status_code == 400, answer.text
    assert 'id="line-0-quantity-error">Enter a whole number.' in answer.text
    assert await rows(runtime, "SELECT count(*) FROM offer") == [(0,)]


async def test_offer_terms_are_refused_past_the_rule_not_cut(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await _librarian(client, runtime, world)
    work = await _work(runtime, world)
    too_long = await client.post(
        "/offers/new", data=_offer(csrf, world.donor, work, terms="t" * 5001)
    )
    assert too_long.status_code == 400, too_long.text
    assert 'id="terms-error">at most 5000 characters' in too_long.text
    assert await rows(runtime, "SELECT count(*) FROM offer") == [(0,)]
    kept = await client.post("/offers/new", data=_offer(csrf, world.donor, work, terms="t" * 5000))
    assert kept.status_code == 303, kept.text
    assert await rows(runtime, "SELECT length(terms) FROM offer") == [(5000,)]


async def test_an_expiry_no_layer_can_hold_is_refused_as_graphql_does(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await _librarian(client, runtime, world)
    work = await _work(runtime, world)
    answer = await client.post(
        "/offers/new", data=_offer(csrf, world.donor, work, expires="9999-12-31")
    )
    assert answer.status_code == 400, answer.text
    assert 'id="expires-error">between 0001-01-02 and 9999-12-30 (UTC)' in answer.text
    assert await rows(runtime, "SELECT count(*) FROM offer") == [(0,)]


async def test_a_request_note_is_refused_past_the_rule_not_cut(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(
        client, runtime, "kim@example.org", world.national, Role.LIBRARIAN
    )
    form = {
        "csrf": csrf,
        "line_count": "1",
        "partner": world.national,
        "line-0-subject": "physics",
        "line-0-quantity": "2",
        "action": "save",
    }
    answer = await client.post("/requests/new", data=form | {"note": "n" * 5001})
    assert answer.status_code == 400, answer.text
    assert "at most 5000 characters" in answer.text
    assert await rows(runtime, "SELECT count(*) FROM resource_request") == [(0,)]


async def test_a_form_that_is_not_utf8_is_refused_not_stored_with_replacements(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(
        client, runtime, "kim@example.org", world.national, Role.LIBRARIAN
    )
    body = (
        f"csrf={csrf}&line_count=1&partner={world.national}&line-0-subject=physics"
        "&line-0-quantity=2&action=save&note=%FF%FEbad"
    )
    answer = await client.post(
        "/requests/new",
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400, answer.text
    assert "The form is not valid UTF-8 text." in answer.text
    assert await rows(runtime, "SELECT count(*) FROM resource_request") == [(0,)]
    korean = await client.post(
        "/requests/new",
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded", "Accept-Language": "ko"},
    )
    assert korean.status_code == 400
    assert "The form is not valid UTF-8 text." not in korean.text


async def test_a_claimed_quantity_that_is_not_a_number_is_a_400_not_a_404(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(
        client, runtime, "kim@example.org", world.national, Role.LIBRARIAN
    )
    answer = await client.post(
        f"/request-lines/{uuid.uuid4()}/claim",
        data={"csrf": csrf, "quantity": "²", "offer_line": str(uuid.uuid4())},
    )
    assert answer.status_code == 400, answer.text
    assert "quantity: Enter a whole number." in answer.text
    assert await rows(runtime, "SELECT count(*) FROM allocation") == [(0,)]


# A quantity past the service's bound is told the service's bound (1..100000, one constant
# of each domain), never the page's own (once 0..2147483647).
OUT_OF_BOUNDS = ["0", "100001", "2147483648", "9" * 40]
BOUND = {"en": "between 1 and 100000", "ko": "1에서 100000 사이"}


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_a_claimed_quantity_past_the_bound_is_told_the_services_bound(
    client: httpx.AsyncClient, runtime: Runtime, world: World, language: str
) -> None:
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    csrf = await sign_in(client, "kim@example.org")
    client.headers["Accept-Language"] = language
    field = "quantity" if language == "en" else "수량"
    for quantity in OUT_OF_BOUNDS:
        answer = await client.post(
            f"/request-lines/{uuid.uuid4()}/claim",
            data={"csrf": csrf, "quantity": quantity, "offer_line": str(uuid.uuid4())},
        )
        assert answer.status_code == 400, answer.text
        assert f'<p id="problem">{field}: {BOUND[language]}</p>' in answer.text
        assert await rows(runtime, "SELECT count(*) FROM allocation") == [(0,)]


@pytest.mark.parametrize("path", ["/offers/new", "/requests/new"])
async def test_a_line_quantity_past_the_bound_is_told_the_services_bound_by_its_field(
    client: httpx.AsyncClient, runtime: Runtime, world: World, path: str
) -> None:
    csrf = await _librarian(client, runtime, world)
    work = await _work(runtime, world)
    for quantity in OUT_OF_BOUNDS:
        form = _offer(csrf, world.donor, work, **{"line-0-quantity": quantity})
        answer = await client.post(path, data=form)
        assert answer.status_code == 400, answer.text
        assert f'id="line-0-quantity-error">{BOUND["en"]}</p>' in answer.text
    assert await rows(runtime, "SELECT count(*) FROM offer") == [(0,)]
    assert await rows(runtime, "SELECT count(*) FROM resource_request") == [(0,)]


@pytest.mark.parametrize("field", ["year_from", "year_to"])
async def test_a_catalogue_year_in_superscript_is_shown_by_its_field(
    client: httpx.AsyncClient, field: str
) -> None:
    answer = await client.get("/catalogue", params={field: "²"})
    assert answer.status_code == 400, answer.text
    assert f'id="{field}-error">Enter a year such as 1998.' in answer.text


async def test_a_lecture_page_in_superscript_is_a_400_naming_the_page(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/lectures?page=%C2%B2")
    assert answer.status_code == 400, answer.text
    assert '<p class="error" role="alert">There is no such page.</p>' in answer.text


async def test_a_lecture_page_past_the_last_says_so_with_a_way_back(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.RECORDED_LECTURE,
            [("en", "Mechanics, lecture 1")],
            "en",
            uuid.UUID(world.national),
            course_number="PHYS-101",
        )
        await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    answer = await client.get("/lectures", params={"course": "PHYS", "page": "2"})
    assert answer.status_code == 404, answer.text
    assert "There is no such page." in answer.text
    assert "No lecture matches." not in answer.text
    assert '<a href="/lectures?course=PHYS&amp;sort=course">Go to the first page</a>' in answer.text


async def test_a_suspension_reason_is_held_to_the_text_rule(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(client, runtime, "root@example.org", world.donor, Role.ADMIN)
    path = f"/admin/partners/{world.national}/suspend"
    before = await rows(runtime, "SELECT id, status FROM partner ORDER BY id")
    audits = await rows(runtime, "SELECT count(*) FROM audit_event")
    nul = await client.post(path, data={"csrf": csrf, "reason": "r\x00"})
    assert nul.status_code == 400, nul.text
    assert "reason: U+0000 at position 1 is not allowed in text" in nul.text
    too_long = await client.post(path, data={"csrf": csrf, "reason": "r" * 1001})
    assert too_long.status_code == 400, too_long.text
    assert "reason: at most 1000 characters" in too_long.text
    assert await rows(runtime, "SELECT id, status FROM partner ORDER BY id") == before
    assert await rows(runtime, "SELECT count(*) FROM audit_event") == audits


def _multipart(fields: list[tuple[str, bytes]], boundary: str = "b0undary") -> bytes:
    """A multipart/form-data body of ``fields`` (RFC 7578), values as raw bytes."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


async def test_a_multipart_form_that_is_not_utf8_is_refused_not_read_as_latin1(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """A form may also come as multipart/form-data: a value that is not UTF-8 is refused
    there too (Starlette would read it as latin-1, "Ã©" for "é"), and a Korean value in
    UTF-8 is read exactly, with repeated names kept."""
    csrf = await member_signed_in(
        client, runtime, "kim@example.org", world.national, Role.LIBRARIAN
    )
    fields = [
        ("csrf", csrf.encode()),
        ("line_count", b"1"),
        ("partner", world.national.encode()),
        ("line-0-subject", "물리학".encode()),
        ("line-0-quantity", b"2"),
        ("action", b"save"),
    ]
    multipart = {"content-type": "multipart/form-data; boundary=b0undary"}
    latin1 = await client.post(
        "/requests/new",
        content=_multipart([*fields, ("note", "café".encode("latin-1"))]),
        headers=multipart,
    )
    assert latin1.status_code == 400, latin1.text
    assert "The form is not valid UTF-8 text." in latin1.text
    assert await rows(runtime, "SELECT count(*) FROM resource_request") == [(0,)]

    utf8 = await client.post(
        "/requests/new",
        content=_multipart([*fields, ("note", "café, 도서관".encode())]),
        headers=multipart,
    )
    assert utf8.status_code == 303, utf8.text
    assert await rows(runtime, "SELECT note FROM resource_request") == [("café, 도서관",)]
    assert await rows(runtime, "SELECT subject FROM request_line") == [("물리학",)]
