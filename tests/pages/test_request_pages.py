"""Requests in pages: a librarian posts a request (a named work and a described need);
the coordinator allocates from the matching board and releases; the requester's librarian
claims an offer line for its own request."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest

from exchange import clock
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, rows, sign_in


@pytest.fixture
async def scene(runtime: Runtime, world: World) -> dict[str, str]:
    """An open offer of 3 print copies of a physics textbook by the donor."""
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    await person(runtime, "cho@example.org", world.donor, Role.COORDINATOR)
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK,
            [("en", "Solid state physics")],
            "eng",
            partner_id=uuid.UUID(world.donor),
            subjects=["physics"],
        )
        work = await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
        donor = Identity(
            account_id=uuid.UUID(world.account_ids["donor_librarian"]),
            grants=(Grant(uuid.UUID(world.donor), Role.LIBRARIAN),),
        )
        offer = await offers.create(
            donor,
            offers.OfferDraft(
                uuid.UUID(world.donor),
                [offers.OfferLineDraft(work.id, 3, Format.PRINT, Condition.GOOD)],
                clock.now() + timedelta(days=30),
            ),
            uow=uow,
            policy=runtime.policy,
        )
        await offers.transition(donor, offer.id, "publish", uow=uow, policy=runtime.policy)
    return {"work": str(work.id)}


async def test_request_is_posted_then_allocated_from_the_board_and_released(
    client: httpx.AsyncClient, runtime: Runtime, world: World, scene: dict[str, str]
) -> None:
    csrf = await sign_in(client, "kim@example.org")
    base = {"csrf": csrf, "line_count": "2", "partner": world.national, "note": "For term 2"}
    lines = {
        "line-0-query": "solid state",
        "line-0-quantity": "2",
        "line-0-priority": "high",
        "line-1-subject": "physics",
        "line-1-language": "eng",
        "line-1-quantity": "1",
        "line-1-priority": "normal",
    }
    found = await client.post("/requests/new", data=base | lines | {"action": "find"})
    options = re.findall(r'<select id="line-0-work"[^>]*>\s*<option value="([^"]+)"', found.text)
    assert options == [scene["work"]]
    posted = await client.post(
        "/requests/new", data=base | lines | {"line-0-work": options[0], "action": "save"}
    )
    assert posted.status_code == 303
    request_path = posted.headers["location"]
    mine = await client.get(request_path)
    assert "Solid state physics" in mine.text
    assert "physics · en" in mine.text  # "eng" as typed, stored as the catalogue stores it

    csrf = await sign_in(client, "cho@example.org")
    board = await client.get("/board")
    assert board.status_code == 200
    line_ids = re.findall(r'data-request-line-id="([^"]+)"', board.text)
    assert len(line_ids) == 2
    offer_line = re.findall(r'data-offer-line-id="([^"]+)"', board.text)[0]
    allocated = await client.post(
        f"/request-lines/{line_ids[0]}/claim",
        data={"csrf": csrf, "offer_line": offer_line, "quantity": "2", "back": "/board"},
    )
    assert allocated.status_code == 303
    assert await rows(runtime, "SELECT quantity, state FROM allocation") == [(2, "active")]
    assert await rows(runtime, "SELECT allocated FROM offer_line") == [(2,)]

    # Asking more than is left is refused with the reason, and nothing changes.
    refused = await client.post(
        f"/request-lines/{line_ids[1]}/claim",
        data={"csrf": csrf, "offer_line": offer_line, "quantity": "5", "back": "/board"},
    )
    assert refused.status_code == 409
    assert "left on the" in refused.text
    assert await rows(runtime, "SELECT allocated FROM offer_line") == [(2,)]

    board = await client.get("/board")
    allocation = re.findall(r'data-allocation-id="([^"]+)"', board.text)[0]
    released = await client.post(
        f"/allocations/{allocation}/release", data={"csrf": csrf, "back": "/board"}
    )
    assert released.status_code == 303
    assert await rows(runtime, "SELECT state FROM allocation") == [("released",)]
    assert await rows(runtime, "SELECT allocated FROM offer_line") == [(0,)]


async def test_requester_claims_an_offer_line_for_its_own_request(
    client: httpx.AsyncClient, runtime: Runtime, world: World, scene: dict[str, str]
) -> None:
    csrf = await sign_in(client, "kim@example.org")
    posted = await client.post(
        "/requests/new",
        data={
            "csrf": csrf,
            "line_count": "1",
            "partner": world.national,
            "note": "",
            "line-0-work": scene["work"],
            "line-0-quantity": "1",
            "line-0-priority": "normal",
            "action": "save",
        },
    )
    page = await client.get(posted.headers["location"])
    line_id = re.findall(r'data-request-line-id="([^"]+)"', page.text)[0]
    offer_line = re.findall(r'data-offer-line-id="([^"]+)"', page.text)[0]
    claimed = await client.post(
        f"/request-lines/{line_id}/claim",
        data={
            "csrf": csrf,
            "offer_line": offer_line,
            "quantity": "1",
            "back": posted.headers["location"],
        },
    )
    assert claimed.status_code == 303
    assert claimed.headers["location"] == posted.headers["location"]
    assert await rows(runtime, "SELECT state FROM resource_request") == [("filled",)]


async def test_a_request_line_naming_nothing_is_shown_by_its_field(
    client: httpx.AsyncClient, runtime: Runtime, world: World, scene: dict[str, str]
) -> None:
    csrf = await sign_in(client, "kim@example.org")
    response = await client.post(
        "/requests/new",
        data={
            "csrf": csrf,
            "line_count": "1",
            "partner": world.national,
            "note": "x",
            "line-0-query": "no such thing",
            "line-0-quantity": "1",
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert (
        'id="line-0-work-error">Find the work and choose it, or describe the need.' in response.text
    )
    assert await rows(runtime, "SELECT count(*) FROM resource_request") == [(0,)]
