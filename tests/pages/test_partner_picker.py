"""The admin forms pick a partner among any number (here 530, past the 500 the former
list held): searched by name, the matches offered to choose from; a form posted with only
the search text takes the one partner it names, and refuses none or several beside the
field, the values kept and nothing written. Checked on the server: an id that names no
partner is refused by the service."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.async_api import Browser

from exchange.app import create_app
from exchange.identity.identity import SYSTEM, Role
from exchange.keys.material import public_jwk
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages.journey import sign_in, until
from tests.pages.people import PASSWORD, person, rows
from tests.pages.test_accessibility import _violations
from tests.pages.test_admin_accounts import admin_signed_in
from tests.servers.web import serving

MANY = 530


@pytest.fixture
async def many(runtime: Runtime) -> dict[int, str]:
    """``MANY`` more partners, "Library 0001" to "Library 0530": their ids by number."""
    made: dict[int, str] = {}
    async with runtime.db.unit_of_work() as uow:
        for n in range(1, MANY + 1):
            draft = partners.PartnerDraft(
                [("en", f"Library {n:04d}")], "DE", PartnerKind.UNIVERSITY_LIBRARY, []
            )
            partner = await partners.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
            made[n] = str(partner.id)
    return made


async def _memberships(runtime: Runtime, account: str) -> list[tuple[object, ...]]:
    return await rows(
        runtime,
        "SELECT partner_id, role FROM membership WHERE account_id IN"
        f" ('{account}', '{account.replace('-', '')}') ORDER BY id",
    )


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="([0-9a-f-]{36})"', html)


async def test_a_membership_names_any_of_many_partners_by_search(
    client: httpx.AsyncClient, runtime: Runtime, world: World, many: dict[int, str]
) -> None:
    csrf = await admin_signed_in(client, runtime, world)
    account = world.account_ids["researcher"]
    page = await client.get(f"/admin/accounts/{account}")
    assert _options(page.text) == []  # no list of every partner
    assert 'id="partner_query" name="partner_query" type="search"' in page.text
    url = f"/admin/accounts/{account}/memberships"
    before = await _memberships(runtime, account)

    # "Find": the matches to choose from, what was typed kept, nothing written
    found = await client.post(
        url,
        data={"csrf": csrf, "partner_query": "library 052", "role": "librarian", "action": "find"},
    )
    assert found.status_code == 200
    assert _options(found.text) == [many[n] for n in range(520, 530)]
    assert 'name="partner_query" type="search" value="library 052"' in found.text
    assert '<option value="librarian" selected>' in found.text
    assert await _memberships(runtime, account) == before

    # several match: refused beside the field, the matches offered (at most 20)
    several = await client.post(
        url, data={"csrf": csrf, "partner_query": "Library 05", "role": "librarian"}
    )
    assert several.status_code == 400
    assert (
        '<p class="error" id="partner-error">Several partners match: choose one.</p>'
        in several.text
    )
    assert _options(several.text) == [many[n] for n in range(500, 520)]
    none = await client.post(
        url,
        data={"csrf": csrf, "partner_query": "Bibliothèque", "role": "librarian"},
        headers={"Accept-Language": "ko"},
    )
    assert none.status_code == 400
    assert (
        '<p class="error" id="partner-error">'
        "맞는 협력기관이 없습니다. 이름의 다른 부분으로 찾아보십시오.</p>" in none.text
    )
    assert await _memberships(runtime, account) == before

    # the one partner the text names (the 527th, past the former list's 500) — exactly,
    # though an annex's name holds it too — or one chosen from the matches, or by its id
    async with runtime.db.unit_of_work() as uow:
        draft = partners.PartnerDraft(
            [("en", "Library 0527 Annex")], "DE", PartnerKind.UNIVERSITY_LIBRARY, []
        )
        await partners.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    added = await client.post(
        url, data={"csrf": csrf, "partner_query": "Library 0527", "role": "librarian"}
    )
    assert added.status_code == 303, added.text
    chosen = await client.post(
        url,
        data={
            "csrf": csrf,
            "partner_query": "library 05",
            "partner": many[511],
            "role": "researcher",
        },
    )
    assert chosen.status_code == 303, chosen.text
    by_id = await client.post(
        url, data={"csrf": csrf, "partner_query": many[3], "role": "coordinator"}
    )
    assert by_id.status_code == 303, by_id.text
    after = await _memberships(runtime, account)
    assert [(str(uuid.UUID(str(p))), r) for p, r in after[len(before) :]] == [
        (many[527], "librarian"),
        (many[511], "researcher"),
        (many[3], "coordinator"),
    ]
    unknown = await client.post(
        url, data={"csrf": csrf, "partner": str(uuid.uuid4()), "role": "librarian"}
    )
    assert unknown.status_code == 404
    assert await _memberships(runtime, account) == after


async def test_a_key_is_registered_for_the_partner_a_search_names(
    client: httpx.AsyncClient, runtime: Runtime, world: World, many: dict[int, str]
) -> None:
    csrf = await admin_signed_in(client, runtime, world)
    assert _options((await client.get("/admin/keys")).text) == []
    jwk = json.dumps(public_jwk(Ed25519PrivateKey.generate().public_key()))
    several = await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner_query": "Library 000", "public_key": jwk}
    )
    assert several.status_code == 400
    assert 'id="partner-error">Several partners match: choose one.' in several.text
    assert jwk.replace('"', "&#34;") in several.text  # the pasted key kept
    assert await rows(runtime, "SELECT kid FROM signing_key") == []
    done = await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner_query": "Library 0529", "public_key": jwk}
    )
    assert done.status_code == 303, done.text
    [(partner,)] = await rows(runtime, "SELECT partner_id FROM signing_key")
    assert str(uuid.UUID(str(partner))) == many[529]


async def test_suggestions_are_for_the_signed_in_only(
    client: httpx.AsyncClient, runtime: Runtime, world: World, many: dict[int, str]
) -> None:
    anonymous = await client.get("/admin/partner-suggestions", params={"q": "Library 052"})
    assert anonymous.status_code == 401
    await admin_signed_in(client, runtime, world)
    answer = await client.get("/admin/partner-suggestions", params={"q": "library 0521"})
    assert answer.json() == {
        "partners": [{"id": many[521], "name": "Library 0521", "lang": "en", "country": "DE"}]
    }
    assert answer.headers["cache-control"] == "no-store"
    hostile = await client.get("/admin/partner-suggestions", params={"q": "%_\\\x00"})
    assert hostile.json() == {"partners": []}


@pytest.mark.parametrize(("language", "width"), [("en", 1000), ("ko", 360)])
async def test_partners_are_offered_as_one_types_and_the_key_goes_to_the_one_named(
    browser: Browser,
    settings: Settings,
    runtime: Runtime,
    world: World,
    many: dict[int, str],
    language: str,
    width: int,
) -> None:
    await person(runtime, "root@example.org", world.national, Role.ADMIN)
    jwk = json.dumps(public_jwk(Ed25519PrivateKey.generate().public_key()))
    with serving(create_app(settings)) as base:
        context = await browser.new_context(
            viewport={"width": width, "height": 800},
            locale=language,
            extra_http_headers={"Accept-Language": language},
            bypass_csp=True,  # axe-core is injected inline; the pages' own policy forbids that
        )
        page = await context.new_page()
        await sign_in(page, base, "root@example.org", PASSWORD)
        await page.goto(base + "/admin/keys")
        await page.type("#partner_query", "Library 052", delay=20)
        await until(page, "document.getElementById('partner-suggestions').dataset.count === '10'")
        offered = await page.evaluate(
            "[...document.querySelectorAll('#partner-suggestions option')].map(o => o.value)"
        )
        assert offered == [f"Library {n:04d}" for n in range(520, 530)]
        assert await _violations(page) == []
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await page.fill("#partner_query", "Library 0523")  # as picking the suggestion does
        await page.fill("#public_key", jwk)
        await page.click("#register button[value=register]")
        await page.wait_for_url("**/admin/keys?done=registered")
        await context.close()
    [(partner,)] = await rows(runtime, "SELECT partner_id FROM signing_key")
    assert str(uuid.UUID(str(partner))) == many[523]
