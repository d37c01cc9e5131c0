"""The claim page when the allocation is made at once (PostgreSQL: the request line
already holds a copy and stays short; ``allocations.allocate(alone=True)``): it is
written whole, and a refusal is shown with nothing changed. Here rather than in
``tests/pages`` (SQLite only), to run on both databases."""

from __future__ import annotations

import httpx

from exchange.identity.identity import Role
from exchange.runtime import Runtime
from exchange.sync import instance
from tests.allocations.market import make_market
from tests.conftest import World
from tests.pages.people import person, rows, sign_in


async def test_claims_made_at_once_are_written_whole_and_refused_cleanly(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, offered=[3], requested=[5])
    async with runtime.db.unit_of_work() as uow:
        await instance.ensure(uow)  # a claim may be alone only once the instance exists
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    csrf = await sign_in(client, "kim@example.org")
    path = f"/request-lines/{market.request_lines[0]}/claim"
    form = {"csrf": csrf, "offer_line": str(market.offer_lines[0]), "back": "/board"}
    for quantity in ("1", "2"):  # 0 -> 1 in a transaction, then 1 -> 3 at once
        claimed = await client.post(path, data=form | {"quantity": quantity})
        assert claimed.status_code == 303
        assert claimed.headers["location"] == "/board"
    books = (
        "SELECT (SELECT allocated FROM offer_line), (SELECT allocated FROM request_line),"
        " (SELECT state FROM resource_request), (SELECT count(*) FROM audit_pending)"
    )
    assert await rows(runtime, books) == [(3, 3, "partially_filled", 0)]
    assert await rows(runtime, "SELECT quantity, state FROM allocation ORDER BY id") == [
        (1, "active"),
        (2, "active"),
    ]

    refused = await client.post(path, data=form | {"quantity": "1"})  # the offer line is out
    assert refused.status_code == 409
    assert "left on the" in refused.text
    assert await rows(runtime, books) == [(3, 3, "partially_filled", 0)]
    assert await rows(runtime, "SELECT count(*) FROM allocation") == [(2,)]
