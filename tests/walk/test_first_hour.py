"""The first hour, scripted: a fresh data directory, the start path through the command
line (``exchange db upgrade``, ``exchange demo``), then each role's main action through
GraphQL with the operation documents in ``graphql/operations/``, asserting what a newcomer
reads at each step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange import clock
from exchange.app import create_app
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import gql, operation

FOUNDATION = "librarian@foundation.example.org"
KISU = "librarian@kisu.example.org"
COORDINATOR = "coordinator@hub.example.org"
ADMIN = "admin@hub.example.org"
RESEARCHER = "researcher@kisu.example.org"


@dataclass
class Started:
    settings: Settings
    client: httpx.AsyncClient
    tokens: dict[str, str]


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[Started]:
    """``scripts/start.sh`` without the install and the server: a fresh data directory,
    ``exchange db upgrade``, ``exchange demo``, and the app over the same settings."""
    settings = Settings(data_dir=tmp_path / "fresh")
    too_early = await invoke(settings, "token", "create", "--email", ADMIN)
    assert (too_early.exit_code, too_early.output) == (
        7,
        f"error: no database at {settings.data_dir.resolve() / 'exchange.sqlite3'}; run"
        " `exchange db upgrade` or set EXCHANGE_DATA_DIR\n",
    )
    assert not settings.data_dir.exists()

    upgraded = await invoke(settings, "db", "upgrade")
    assert (upgraded.exit_code, upgraded.output) == (0, "Database is up to date.\n")
    demo = await invoke(settings, "demo")
    assert demo.exit_code == 0, demo.output
    lines = demo.output.splitlines()
    assert lines[:3] == [
        "Demo data loaded.",
        f"Demo passwords are in {settings.data_dir / 'demo-credentials.txt'}",
        "",
    ]
    assert lines[3].split() == ["e-mail", "role", "partner", "token"]
    tokens = {row.split()[0]: row.split()[3] for row in lines[4:]}
    assert sorted(tokens) == sorted([FOUNDATION, KISU, COORDINATOR, ADMIN, RESEARCHER,
                                     "librarian@national.example.org",
                                     "librarian@publisher.example.org"])  # fmt: skip

    runtime = Runtime.start(settings)
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Started(settings, client, tokens)
    await runtime.close()


async def ask(started: Started, name: str, who: str, **variables: Any) -> Any:
    """The one field the operation ``name`` asks, as ``who`` reads it."""
    body = await gql(started.client, operation(name), variables, started.tokens[who])
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_the_first_hour(started: Started) -> None:
    # A donor librarian catalogues a journal with two issues, for their own library.
    journal = await ask(
        started,
        "CreateWork",
        FOUNDATION,
        input={
            "kind": "JOURNAL",
            "titles": [{"lang": "en", "value": "Journal of Applied Hydrology"}],
            "language": "en",
            "issues": [
                {"volume": "12", "number": "1", "year": 2024},
                {"volume": "12", "number": "2", "year": 2024},
            ],
        },
    )
    assert (journal["__typename"], journal["title"]) == ("Work", "Journal of Applied Hydrology")
    _first_issue, second_issue = journal["issues"]

    # ...and offers it without naming the partner; the schema's rule on PRINT lines is the
    # error they read first.
    expires = clock.iso(clock.now() + timedelta(days=90))
    line = {"workId": journal["id"], "quantity": 3, "format": "PRINT"}
    refused = await ask(
        started, "CreateOffer", FOUNDATION, input={"lines": [line], "expiresAt": expires}
    )
    assert refused["fields"] == [
        {
            "field": "lines[0].condition",
            "code": "required_for_print",
            "message": "a PRINT line needs a condition (NEW, GOOD or FAIR)",
        }
    ]
    line |= {"condition": "GOOD", "issueIds": [second_issue["id"]]}
    offer = await ask(
        started, "CreateOffer", FOUNDATION, input={"lines": [line], "expiresAt": expires}
    )
    assert offer["partner"]["name"] == "Open Shelves Foundation"
    assert offer["lines"][0]["issues"] == [second_issue]
    assert (await ask(started, "PublishOffer", FOUNDATION, id=offer["id"]))["state"] == "OPEN"

    # A librarian abroad asks for the journal, again without naming the partner.
    request = await ask(
        started,
        "CreateRequest",
        KISU,
        input={"lines": [{"workId": journal["id"], "quantity": 2, "priority": "URGENT"}]},
    )
    assert request["__typename"] == "Request"
    request_line = request["lines"][0]

    # The coordinator reads the suggestion (the very work: the best score) and allocates.
    suggested = await ask(started, "Suggestions", COORDINATOR, requestLineId=request_line["id"])
    assert [(s["exactWork"], s["score"], s["available"]) for s in suggested] == [(True, 100, 3)]
    allocation = await ask(
        started,
        "Allocate",
        COORDINATOR,
        input={
            "offerLineId": suggested[0]["offerLine"]["id"],
            "requestLineId": request_line["id"],
            "quantity": 2,
        },
    )
    listed = await ask(
        started, "Allocations", COORDINATOR, filter={"requestLineId": request_line["id"]}
    )
    assert [
        (a["work"]["title"], a["offerLine"]["offer"]["partner"]["name"], a["requestLine"]["id"])
        for a in listed["nodes"]
    ] == [("Journal of Applied Hydrology", "Open Shelves Foundation", request_line["id"])]

    # A researcher cannot make up a shipment, and reads who can.
    denied = await ask(
        started, "CreateShipment", RESEARCHER,
        input={"allocationIds": [allocation["id"]], "mode": "PHYSICAL"},
    )  # fmt: skip
    assert (denied["__typename"], denied["message"]) == (
        "PermissionDenied",
        "not allowed to shipment.create: only librarians of the sending partner,"
        " coordinators or admins may",
    )

    # The coordinator packs for the donor; the destination is under review, so it waits.
    shipment = await ask(
        started, "CreateShipment", COORDINATOR,
        input={"allocationIds": [allocation["id"]], "mode": "PHYSICAL"},
    )  # fmt: skip
    assert (shipment["__typename"], shipment["state"]) == ("Shipment", "DRAFT")
    packed = await ask(started, "PackShipment", COORDINATOR, id=shipment["id"])
    assert packed["state"] == "AWAITING_APPROVAL"

    # The donor's librarian tries to send it: told what they themselves can do now.
    early = await ask(started, "DispatchShipment", FOUNDATION, id=shipment["id"])
    assert (early["__typename"], early["message"], early["allowedActions"]) == (
        "IllegalTransition",
        "cannot dispatch: the shipment's state is awaiting_approval; allowed: cancel",
        ["CANCEL"],
    )
    not_theirs = await ask(started, "ApproveShipment", FOUNDATION, id=shipment["id"])
    assert not_theirs["message"] == (
        "not allowed to shipment.approve: only coordinators or admins may"
    )
    approved = await ask(started, "ApproveShipment", COORDINATOR, id=shipment["id"])
    assert approved["state"] == "APPROVED"

    # What is in the shipment, and who did what, by name.
    seen = await ask(started, "Shipment", FOUNDATION, id=shipment["id"])
    assert [
        (i["quantity"], i["work"]["title"], i["allocation"]["offerLine"]["offer"]["id"])
        for i in seen["items"]
    ] == [(2, "Journal of Applied Hydrology", offer["id"])]
    assert [(e["action"], e["actorName"]) for e in seen["events"]] == [
        ("create", "Chris Coordinator"),
        ("pack", "Chris Coordinator"),
        ("approve", "Chris Coordinator"),
    ]
    assert seen["availableActions"] == ["DISPATCH", "CANCEL"]

    # The researcher finds the journal in the catalogue.
    found = await ask(started, "Works", RESEARCHER, search="Hydrology", first=5)
    assert [e["node"]["title"] for e in found["edges"]] == ["Journal of Applied Hydrology"]

    # The admin issues the researcher a token through the API, then revokes it.
    viewer = await ask(started, "Viewer", RESEARCHER)
    issued = await ask(
        started, "IssueAccountToken", ADMIN, input={"accountId": viewer["account"]["id"], "days": 7}
    )
    assert issued["__typename"] == "IssuedToken"
    as_researcher = await gql(started.client, operation("Viewer"), token=issued["token"])
    assert as_researcher["data"]["viewer"]["account"]["email"] == RESEARCHER
    revoked = await ask(started, "RevokeAccountToken", ADMIN, id=issued["id"])
    assert revoked["__typename"] == "TokenRevoked"
    after = await started.client.post(
        "/graphql",
        json={"query": operation("Viewer")},
        headers={"Authorization": f"Bearer {issued['token']}"},
    )
    assert (after.status_code, after.json()["errors"][0]["message"]) == (401, "token revoked")

    # Unknown ids read the same way for every single-entity lookup: null, no error.
    unknown = "0190b6a0-0000-7000-8000-00000000dead"
    assert await ask(started, "Offer", COORDINATOR, id=unknown) is None
    assert await ask(started, "Shipment", COORDINATOR, id=unknown) is None
    for name, hidden in (("Offer", offer["id"]), ("Shipment", shipment["id"])):
        anonymous = await gql(started.client, operation(name), {"id": hidden})
        assert anonymous == {"data": {name[0].lower() + name[1:]: None}}

    # A restart mints no tokens.
    again = await invoke(started.settings, "demo")
    assert "sx_" not in again.output
