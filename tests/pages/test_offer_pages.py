"""A librarian composes an offer in plain forms: finds each work in the catalogue, sees
errors by their field with the typed values kept, saves a draft, publishes it."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
import sqlalchemy as sa

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Role
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import member_signed_in, person, sign_in


@pytest.fixture
async def signed_in(client: httpx.AsyncClient, runtime: Runtime, world: World) -> str:
    """The donor's librarian, signed in; returns the CSRF token of the session."""
    await person(runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    async with runtime.db.unit_of_work() as uow:
        for title in ("Calculus", "Organic chemistry"):
            draft = WorkDraft(
                WorkKind.TEXTBOOK, [("en", title)], "eng", partner_id=uuid.UUID(world.donor)
            )
            await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    return await sign_in(client, "lena@example.org")


def _form(csrf: str, **fields: str) -> dict[str, str]:
    base = {
        "csrf": csrf,
        "line_count": "2",
        "partner": "",
        "expires": "2099-01-31",
        "terms": "Shipping paid by the donor",
        "licence": "",
    }
    for i in range(2):
        base |= {
            f"line-{i}-query": "",
            f"line-{i}-work": "",
            f"line-{i}-quantity": "1",
            f"line-{i}-format": "print",
            f"line-{i}-condition": "good",
        }
    return base | fields


async def _offers(runtime: Runtime) -> int:
    async with runtime.db.read() as session:
        connection = await session.connection()
        return int((await connection.execute(sa.text("SELECT count(*) FROM offer"))).scalar_one())


async def test_librarian_finds_works_saves_a_draft_and_publishes_it(
    client: httpx.AsyncClient, runtime: Runtime, world: World, signed_in: str
) -> None:
    found = await client.post(
        "/offers/new",
        data=_form(
            signed_in,
            partner=world.donor,
            action="find",
            **{"line-0-query": "calculus", "line-1-query": "chemistry"},
        ),
    )
    assert found.status_code == 200
    chosen = re.findall(r'<select id="line-(\d)-work"[^>]*>\s*<option value="([^"]+)"', found.text)
    assert [line for line, _ in chosen] == ["0", "1"]
    assert (
        'value="Shipping paid by the donor"' in found.text
        or "Shipping paid by the donor" in found.text
    )

    saved = await client.post(
        "/offers/new",
        data=_form(
            signed_in,
            partner=world.donor,
            action="save",
            **{"line-0-work": chosen[0][1], "line-1-work": chosen[1][1], "line-1-quantity": "4"},
        ),
    )
    assert saved.status_code == 303
    offer_path = saved.headers["location"]
    page = await client.get(offer_path)
    assert "Calculus" in page.text
    assert "Organic chemistry" in page.text
    assert 'data-state="draft"' in page.text

    published = await client.post(offer_path + "/publish", data={"csrf": signed_in})
    assert published.status_code == 303
    page = await client.get(published.headers["location"])
    assert 'data-state="open"' in page.text
    assert "The offer is open." in page.text
    async with runtime.db.read() as session:
        connection = await session.connection()
        rows = (
            await connection.execute(
                sa.text(
                    "SELECT o.state, l.quantity FROM offer o"
                    " JOIN offer_line l ON l.offer_id = o.id ORDER BY l.quantity"
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [("open", 1), ("open", 4)]


async def test_errors_show_by_their_field_and_nothing_is_written(
    client: httpx.AsyncClient, runtime: Runtime, world: World, signed_in: str
) -> None:
    response = await client.post(
        "/offers/new",
        data=_form(
            signed_in,
            partner=world.donor,
            action="save",
            expires="2001-01-01",
            **{
                "line-0-query": "calculus",
                "line-1-work": str(uuid.uuid4()),
                "line-1-quantity": "0",
            },
        ),
    )
    assert response.status_code == 400
    assert 'id="line-0-work-error">Find the work and choose it.' in response.text
    assert 'value="calculus"' in response.text  # what was typed is kept
    assert await _offers(runtime) == 0

    # The service's own checks land on the form's fields too (line 1 is the draft's first line).
    response = await client.post(
        "/offers/new",
        data=_form(
            signed_in,
            partner=world.donor,
            action="save",
            expires="2001-01-01",
            **{"line-1-work": str(uuid.uuid4()), "line-1-quantity": "1", "line-1-condition": ""},
        ),
    )
    assert response.status_code == 400
    assert 'id="line-1-condition-error">a PRINT line needs a condition' in response.text
    assert 'id="expires-error">' in response.text
    assert await _offers(runtime) == 0


async def test_a_form_without_the_sessions_token_does_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, signed_in: str
) -> None:
    response = await client.post(
        "/offers/new", data=_form("f" * 64, partner=world.donor, action="save")
    )
    assert response.status_code == 403
    assert await _offers(runtime) == 0


async def test_another_partners_librarian_cannot_see_or_publish_a_draft(
    client: httpx.AsyncClient, runtime: Runtime, world: World, signed_in: str
) -> None:
    works = await client.post(
        "/offers/new",
        data=_form(signed_in, partner=world.donor, action="find", **{"line-0-query": "calculus"}),
    )
    work_id = re.findall(r'<option value="([0-9a-f-]{36})" lang="en">Calculus', works.text)[0]
    saved = await client.post(
        "/offers/new",
        data=_form(signed_in, partner=world.donor, action="save", **{"line-0-work": work_id}),
    )
    offer_path = saved.headers["location"]
    # The national library's librarian, through a bearer-less session of their own.
    csrf = await member_signed_in(
        client, runtime, "pak@example.org", world.national, Role.LIBRARIAN
    )
    publish = await client.post(offer_path + "/publish", data={"csrf": csrf})
    assert publish.status_code == 403
    async with runtime.db.read() as session:
        connection = await session.connection()
        state = (await connection.execute(sa.text("SELECT state FROM offer"))).scalar_one()
    assert state == "draft"


async def test_terms_with_a_forbidden_character_are_refused_by_their_field(
    client: httpx.AsyncClient, runtime: Runtime, world: World, signed_in: str
) -> None:
    works = await client.post(
        "/offers/new",
        data=_form(signed_in, partner=world.donor, action="find", **{"line-0-query": "calculus"}),
    )
    work_id = re.findall(r'<option value="([0-9a-f-]{36})" lang="en">Calculus', works.text)[0]
    refused = await client.post(
        "/offers/new",
        data=_form(
            signed_in,
            partner=world.donor,
            action="save",
            terms="abc\x00def",
            licence="CC\x07BY",
            **{"line-0-work": work_id},
        ),
    )
    assert refused.status_code == 400
    assert 'id="terms-error">' in refused.text
    assert 'id="licence-error">' in refused.text
    assert "\x00" not in refused.text
    assert await _offers(runtime) == 0


async def test_a_form_that_cannot_be_read_is_a_page_not_a_fault(
    client: httpx.AsyncClient, runtime: Runtime, world: World, signed_in: str
) -> None:
    big = await client.post("/offers/new", data={"csrf": signed_in, "terms": "x" * 300_000})
    assert big.status_code == 413
    assert "The form is too large." in big.text
    many = await client.post("/offers/new", data={f"f{i}": "1" for i in range(600)})
    assert many.status_code == 400
    assert "The form could not be read." in many.text
    bad_cursor = await client.get("/offers", params={"after": "garbage"})
    assert bad_cursor.status_code == 400
    assert await _offers(runtime) == 0
