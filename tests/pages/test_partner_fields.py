"""A partner named by a form or a query (``partner=``) is the one acted for, or the page
says why not: text that is no partner's id is refused by its field (never a silent fall
back to the visitor's own partner), an id that names no partner is "not found", and the
policy still decides for a partner that exists. Nothing is written after a refusal."""

from __future__ import annotations

import uuid

import httpx
import pytest

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Role
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, rows, sign_in

LIBRARIAN = "lena@example.org"  # a librarian of the donor, its only partner
NOT_AN_ID = "This is not the id of a partner: choose one from the list."
NOT_AN_ID_KO = "협력기관의 ID가 아닙니다: 목록에서 하나를 고르십시오."
NOBODY = "0190a000-0000-7000-8000-000000000000"  # well formed, names no partner
JUNK = ["junk", "' OR 1=1", "0190a000-0000-7000-8000-00000000000g", "０１９０"]
WRITTEN = (
    "SELECT 'offer', count(*) FROM offer UNION ALL SELECT 'request', count(*) FROM"
    " resource_request UNION ALL SELECT 'work', count(*) FROM work"
    " UNION ALL SELECT 'audit', count(*) FROM audit_event"
)


@pytest.fixture
async def csrf(client: httpx.AsyncClient, runtime: Runtime, world: World) -> str:
    await person(runtime, LIBRARIAN, world.donor, Role.LIBRARIAN)
    return await sign_in(client, LIBRARIAN)


@pytest.fixture
async def work(runtime: Runtime, world: World) -> str:
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK, [("en", "Calculus")], "eng", partner_id=uuid.UUID(world.donor)
        )
        made = await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    return str(made.id)


def _forms(csrf: str, work: str, partner: str) -> dict[str, dict[str, str]]:
    line = {"line_count": "1", "line-0-work": work, "line-0-quantity": "2"}
    return {
        "/catalogue/works/new": {
            "csrf": csrf,
            "partner": partner,
            "kind": "textbook",
            "language": "eng",
            "title_count": "1",
            "title-0-lang": "en",
            "title-0-value": "Algebra",
            "action": "save",
        },
        "/offers/new": {
            "csrf": csrf,
            "partner": partner,
            "expires": "2099-01-31",
            "line-0-format": "print",
            "line-0-condition": "good",
            "action": "save",
            **line,
        },
        "/requests/new": {"csrf": csrf, "partner": partner, "action": "save", **line},
    }


PATHS = ["/catalogue/works/new", "/offers/new", "/requests/new"]


@pytest.mark.parametrize("path", PATHS)
async def test_a_partner_that_is_no_id_is_refused_by_its_field_in_both_languages(
    client: httpx.AsyncClient, runtime: Runtime, csrf: str, work: str, path: str
) -> None:
    before = await rows(runtime, WRITTEN)
    for junk in JUNK:
        answer = await client.post(path, data=_forms(csrf, work, junk)[path])
        assert answer.status_code == 400, (junk, answer.text)
        assert f'id="partner-error">{NOT_AN_ID}</p>' in answer.text
    korean = await client.post(
        path, data=_forms(csrf, work, "junk")[path], headers={"Accept-Language": "ko"}
    )
    assert korean.status_code == 400
    assert f'id="partner-error">{NOT_AN_ID_KO}</p>' in korean.text
    assert await rows(runtime, WRITTEN) == before


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/catalogue/works/new", 404, "partner not found"),
        ("/offers/new", 400, "no such partner"),
        ("/requests/new", 400, "no such partner"),
    ],
)
async def test_a_partner_id_that_names_no_partner_is_not_found(
    client: httpx.AsyncClient,
    runtime: Runtime,
    csrf: str,
    work: str,
    path: str,
    status: int,
    message: str,
) -> None:
    before = await rows(runtime, WRITTEN)
    answer = await client.post(path, data=_forms(csrf, work, NOBODY)[path])
    assert answer.status_code == status, answer.text
    assert f'id="partner-error">{message}</p>' in answer.text
    assert await rows(runtime, WRITTEN) == before


@pytest.mark.parametrize("path", PATHS)
async def test_another_partner_named_is_still_the_policys_to_refuse(
    client: httpx.AsyncClient, runtime: Runtime, world: World, csrf: str, work: str, path: str
) -> None:
    before = await rows(runtime, WRITTEN)
    answer = await client.post(path, data=_forms(csrf, work, world.national)[path])
    assert answer.status_code == 403, answer.text
    assert 'id="partner-error">not allowed to ' in answer.text
    assert await rows(runtime, WRITTEN) == before


async def test_a_shipment_filter_partner_that_is_no_id_is_a_400_naming_it(
    client: httpx.AsyncClient, csrf: str
) -> None:
    for junk in JUNK:
        answer = await client.get("/shipments", params={"partner": junk})
        assert answer.status_code == 400, answer.text
        assert f'<p id="problem">partner: {NOT_AN_ID}</p>' in answer.text
    assert (await client.get("/shipments", params={"partner": ""})).status_code == 200
