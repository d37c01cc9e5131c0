"""A page of offers with its partner, lines and works costs the same round trips at any
size: one read session for the request (``exchange.api.reads``), the page priming its
loaders (``exchange.api.offer_page``). The bound is the hand-written endpoint's
(``bench/raw_offers.py``): BEGIN, the token, the offers, their donors, their lines, the
lines' works, ROLLBACK — and PostgreSQL's pool ping at checkout."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from exchange import clock
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.runtime import Runtime
from tests.conftest import World, gql
from tests.statements import StatementCounter

PAGE = """query($first: Int!) { offers(first: $first) {
  nodes { id state partner { id name } lines { id quantity work { id title } } } } }"""


async def post_offers(runtime: Runtime, world: World, count: int) -> None:
    donor = uuid.UUID(world.donor)
    who = Identity(
        uuid.UUID(world.account_ids["donor_librarian"]), None, (Grant(donor, Role.LIBRARIAN),)
    )
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        works = [
            await catalogue.create(
                SYSTEM,
                WorkDraft(WorkKind.TEXTBOOK, [("en", f"Book {i}")], "en", donor),
                uow=uow,
                policy=policy,
            )
            for i in range(7)
        ]
        for i in range(count):
            lines = [
                offers.OfferLineDraft(works[(i + k) % 7].id, 1, Format.PRINT, Condition.GOOD)
                for k in range(3)
            ]
            draft = offers.OfferDraft(donor, lines, clock.now() + timedelta(days=9))
            offer = await offers.create(who, draft, uow=uow, policy=policy)
            await offers.transition(who, offer.id, "publish", uow=uow, policy=policy)


async def test_an_offer_page_costs_the_same_round_trips_at_10_and_50_offers(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await post_offers(runtime, world, 55)
    token = world.tokens["librarian"]  # another partner's librarian: published offers only
    await gql(client, PAGE, {"first": 1}, token)  # connections and caches warm
    pings: list[str] = []  # a busy pool never pings (exchange.db.engine._ping_idle)
    expected = [*pings, "BEGIN", "SELECT", "SELECT", "SELECT", "SELECT", "SELECT", "ROLLBACK"]
    for first in (10, 50):
        counter = StatementCounter()
        with counter.watching(runtime.db.reader, runtime.db.writer):
            body = await gql(client, PAGE, {"first": first}, token)
        assert "errors" not in body, body
        nodes = body["data"]["offers"]["nodes"]
        assert len(nodes) == first
        assert all(n["partner"]["name"] == "Open Shelves Foundation" for n in nodes)
        assert all(len(n["lines"]) == 3 and n["lines"][0]["work"]["title"] for n in nodes)
        assert [sql.split()[0] for sql in counter.sql] == expected, counter.sql
        assert counter.count == 7 + len(pings)  # the raw endpoint's, at any page size


async def test_a_lines_offer_id_and_work_id_answer_when_asked(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """They are rendered on demand (a page rarely asks them): asked, they name the line's
    offer and work exactly."""
    await post_offers(runtime, world, 2)
    query = """query { offers(first: 2) { nodes { id
      lines { offerId workId work { id } } } } }"""
    body = await gql(client, query, {}, world.tokens["librarian"])
    assert "errors" not in body, body
    nodes = body["data"]["offers"]["nodes"]
    assert len(nodes) == 2
    for node in nodes:
        assert len(node["lines"]) == 3
        for line in node["lines"]:
            assert line["offerId"] == node["id"]
            assert line["workId"] == line["work"]["id"]
