"""Administration in pages: an admin registers a partner with names in two scripts, edits
its tags, suspends a partner — whose librarian then can no longer post — and reads the
policies in force. Nobody else reaches these pages."""

from __future__ import annotations

import uuid

import httpx

from exchange.identity.identity import SYSTEM, Role
from exchange.partners import service as partners
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import member_signed_in, person, rows, sign_in


def _partner_form(csrf: str, **fields: str) -> dict[str, str]:
    base = {"csrf": csrf, "country": "KP", "kind": "university_library", "tags": "", "public": "1"}
    for i in range(4):
        base |= {f"name-{i}-lang": "", f"name-{i}-value": ""}
    return base | fields


async def test_admin_registers_edits_and_suspends_and_the_librarian_can_no_longer_post(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await person(runtime, "root@example.org", world.donor, Role.ADMIN)
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    csrf = await sign_in(client, "root@example.org")

    invalid = await client.post(
        "/admin/partners/new",
        data=_partner_form(
            csrf, country="XX", **{"name-1-lang": "ko-Hang", "name-1-value": "김책공업종합대학"}
        ),
    )
    assert invalid.status_code == 400
    assert 'id="country-error"' in invalid.text
    assert 'value="김책공업종합대학"' in invalid.text
    [(before,)] = await rows(runtime, "SELECT count(*) FROM partner")

    created = await client.post(
        "/admin/partners/new",
        data=_partner_form(
            csrf,
            tags="income-eligible",
            **{
                "name-0-lang": "ko-Hang",
                "name-0-value": "김책공업종합대학",
                "name-1-lang": "en",
                "name-1-value": "Kim Chaek University of Technology",
            },
        ),
    )
    assert created.status_code == 303
    assert await rows(runtime, "SELECT count(*) FROM partner") == [(int(str(before)) + 1,)]
    page = await client.get(created.headers["location"])
    assert '<span lang="ko-Hang">김책공업종합대학</span>' in page.text

    suspended = await client.post(
        f"/admin/partners/{world.national}/suspend", data={"csrf": csrf, "reason": "audit"}
    )
    assert suspended.status_code == 303
    async with runtime.db.read() as session:
        national = await partners.get(
            SYSTEM, uuid.UUID(world.national), session=session, policy=runtime.policy
        )
    assert national.status == "suspended"
    page = await client.get(f"/admin/partners/{world.national}")
    assert 'data-status="suspended"' in page.text

    csrf = await sign_in(client, "kim@example.org")
    offers_before = await rows(runtime, "SELECT count(*) FROM resource_request")
    posted = await client.post(
        "/requests/new",
        data={
            "csrf": csrf,
            "line_count": "1",
            "partner": world.national,
            "note": "",
            "line-0-subject": "physics",
            "line-0-quantity": "1",
            "action": "save",
        },
    )
    assert posted.status_code == 403
    assert 'id="partner-error"' in posted.text
    assert await rows(runtime, "SELECT count(*) FROM resource_request") == offers_before


async def test_only_admins_reach_the_admin_pages(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    assert (await client.get("/admin/partners")).status_code == 303  # sign in first
    csrf = await member_signed_in(
        client, runtime, "kim@example.org", world.national, Role.LIBRARIAN
    )
    for path in ("/admin/partners", "/admin/policies", f"/admin/partners/{world.national}"):
        assert (await client.get(path)).status_code == 404, path
    refused = await client.post(
        f"/admin/partners/{world.national}/suspend", data={"csrf": csrf, "reason": "x"}
    )
    assert refused.status_code == 404
    assert await rows(runtime, "SELECT DISTINCT status FROM partner") == [("active",)]


async def test_the_policies_in_force_are_shown_read_only(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await member_signed_in(client, runtime, "root@example.org", world.donor, Role.ADMIN)
    page = await client.get("/admin/policies")
    assert page.status_code == 200
    assert "<code>partners.cedar</code>" in page.text
    assert "@id(&#34;partners-staff-read-summary&#34;)" in page.text
