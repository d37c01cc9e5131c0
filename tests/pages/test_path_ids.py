"""A path naming a record by an id that is not a UUID: every page answers it as an unknown
id (the not-found page, 404, in the visitor's language), a script's JSON route with its
JSON 404, and nothing is written; never a 500 (``web.path_id``)."""

from __future__ import annotations

import uuid

import httpx

from exchange.identity.identity import Role
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import member_signed_in, rows

BAD = "not-an-id"
NOTHING_HERE = "Nothing is here, or it is not yours to see."
WRITTEN = (
    "SELECT (SELECT count(*) FROM membership) + (SELECT count(*) FROM token)"
    " + (SELECT count(*) FROM audit_event) + (SELECT count(*) FROM audit_pending)"
)

PAGES = [
    f"/admin/partners/{BAD}",
    f"/admin/accounts/{BAD}",
    f"/catalogue/works/{BAD}/edit",
    f"/catalogue/works/{BAD}/upload",
    f"/objects/{BAD}/download",
    f"/offers/{BAD}",
    f"/requests/{BAD}",
    f"/shipments/{BAD}",
    f"/shipments/{BAD}/upload",
    f"/uploads/{BAD}",
]


def forms(world: World) -> list[tuple[str, dict[str, str]]]:
    """Each page's form posted to a malformed id, with what else it needs to pass."""
    some = str(uuid.uuid4())
    account = world.account_ids["librarian"]
    return [
        (f"/admin/partners/{BAD}", {}),
        (f"/admin/partners/{BAD}/suspend", {"reason": "audit"}),
        (f"/admin/accounts/{BAD}/memberships", {}),
        (f"/admin/accounts/{BAD}/memberships/{some}/remove", {}),
        (f"/admin/accounts/{account}/memberships/{BAD}/remove", {}),
        (f"/admin/accounts/{BAD}/tokens", {}),
        (f"/admin/accounts/{BAD}/disable", {}),
        (f"/admin/accounts/{BAD}/tokens/{some}/revoke", {}),
        (f"/admin/accounts/{account}/tokens/{BAD}/revoke", {}),
        (f"/catalogue/works/{BAD}/edit", {}),
        (f"/offers/{BAD}/publish", {}),
        (f"/request-lines/{BAD}/claim", {"quantity": "1", "offer_line": some}),
        (f"/allocations/{BAD}/release", {}),
        (f"/shipments/{BAD}/dispatch", {}),
    ]


async def test_a_malformed_id_in_a_path_is_the_not_found_page_everywhere(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(client, runtime, "root@example.org", world.national, Role.ADMIN)
    before = await rows(runtime, WRITTEN)
    for path in PAGES:
        page = await client.get(path)
        assert (path, page.status_code) == (path, 404)
        assert NOTHING_HERE in page.text, path
    for path, data in forms(world):
        posted = await client.post(path, data={"csrf": csrf, **data})
        assert (path, posted.status_code) == (path, 404)
        assert NOTHING_HERE in posted.text, path
    korean = await client.get(f"/offers/{BAD}", headers={"Accept-Language": "ko"})
    assert korean.status_code == 404
    assert "여기에는 아무것도 없거나 볼 권한이 없습니다." in korean.text
    for action in ("complete", "abort"):
        answer = await client.post(f"/uploads/{BAD}/{action}", data={"csrf": csrf})
        assert (answer.status_code, answer.json()) == (404, {"error": "not found"})
    assert await rows(runtime, WRITTEN) == before
