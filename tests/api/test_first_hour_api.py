"""The API's shape as a newcomer meets it (issue 16): links between the exchange's rows at a
cost constant in the page size, rules of offer lines in the schema, the caller's library as
the default partner, suggestion scores, and admins managing other accounts' tokens."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlmodel import col, select

from exchange.allocations import service as allocations
from exchange.audit import chain
from exchange.audit.models import AuditEvent
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.identity.identity import SYSTEM
from exchange.identity.models import Token
from exchange.runtime import Runtime
from exchange.shipments import transitions
from exchange.shipments.models import ShipmentMode
from tests.api.test_exchange import later, make_work, open_offer, post_request, print_line
from tests.api.test_works import counting_queries
from tests.conftest import World, gql, operation


async def allocated(
    client: Any, world: World, runtime: Runtime, count: int, title: str
) -> list[uuid.UUID]:
    """``count`` allocations, each of its own work, offer line and request line."""
    works = [await make_work(runtime, world, f"{title} {n}") for n in range(count)]
    offer = await open_offer(client, world, [print_line(w, 2) for w in works])
    request = await post_request(client, world, [{"workId": w, "quantity": 1} for w in works])
    ids = []
    async with runtime.db.unit_of_work() as uow:
        for offered, wanted in zip(offer["lines"], request["lines"], strict=True):
            row = await allocations.allocate(
                SYSTEM,
                uuid.UUID(offered["id"]),
                uuid.UUID(wanted["id"]),
                1,
                uow=uow,
                policy=runtime.policy,
            )
            ids.append(row.id)
    return ids


async def test_links_cost_the_same_queries_for_5_and_50_rows(
    client: Any, world: World, runtime: Runtime
) -> None:
    coordinator = world.tokens["coordinator"]

    async def allocations_cost(first: int) -> tuple[int, int]:
        with counting_queries(runtime) as statements:
            body = await gql(client, operation("Allocations"), {"first": first}, coordinator)
        nodes = body["data"]["allocations"]["nodes"]
        assert all(n["work"] and n["offerLine"]["offer"]["partner"] for n in nodes), body
        return len(nodes), len(statements)

    async def shipment_cost(ids: list[uuid.UUID]) -> tuple[int, int]:
        async with runtime.db.unit_of_work() as uow:
            shipment = await transitions.create(
                SYSTEM, ids, ShipmentMode.PHYSICAL, uow=uow, policy=runtime.policy
            )
        with counting_queries(runtime) as statements:
            body = await gql(client, operation("Shipment"), {"id": str(shipment.id)}, coordinator)
        items = body["data"]["shipment"]["items"]
        assert all(i["work"]["title"] and i["allocation"]["offerLine"] for i in items), body
        return len(items), len(statements)

    few = await allocated(client, world, runtime, 5, "Few")
    many = await allocated(client, world, runtime, 45, "Many")
    five, five_cost = await allocations_cost(5)
    fifty, fifty_cost = await allocations_cost(50)
    assert (five, fifty) == (5, 50)
    assert fifty_cost == five_cost
    shipped_five, ship_five_cost = await shipment_cost(few)
    shipped_many, ship_many_cost = await shipment_cost(many)
    assert (shipped_five, shipped_many) == (5, 45)
    assert ship_many_cost == ship_five_cost


async def test_a_journal_line_names_issues_of_its_own_journal_only(
    client: Any, world: World, runtime: Runtime
) -> None:
    other = await make_work(runtime, world, "Another journal", kind=WorkKind.JOURNAL)
    token = world.tokens["donor_librarian"]
    created = await gql(
        client,
        operation("CreateWork"),
        {
            "input": {
                "kind": "JOURNAL",
                "titles": [{"lang": "en", "value": "Annals of Soil Science"}],
                "language": "en",
                "partnerId": world.donor,
                "issues": [{"volume": "3", "number": "1", "year": 2023}],
            }
        },
        token,
    )
    journal = created["data"]["createWork"]
    issue = journal["issues"][0]["id"]
    line = print_line(journal["id"], 1) | {"issueIds": [issue]}
    refused = await gql(
        client,
        operation("CreateOffer"),
        {"input": {"lines": [print_line(other, 1) | {"issueIds": [issue]}], "expiresAt": later()}},
        token,
    )
    assert refused["data"]["createOffer"]["fields"] == [
        {
            "field": "lines[0].issueIds",
            "code": "unknown_issue",
            "message": "name issues of the line's journal (Work.issues ids)",
        }
    ]
    offer = await open_offer(client, world, [line])
    read = await gql(client, operation("Offer"), {"id": offer["id"]}, token)
    assert read["data"]["offer"]["lines"][0]["issues"] == [
        {"id": issue, "volume": "3", "number": "1", "year": 2023}
    ]
    assert read["data"]["offer"]["lines"][0]["offer"] == {"id": offer["id"]}


async def test_a_digital_line_needs_the_offers_licence_and_says_so(
    client: Any, world: World, runtime: Runtime
) -> None:
    work = await make_work(runtime, world, "Digital atlas")
    body = await gql(
        client,
        operation("CreateOffer"),
        {
            "input": {
                "lines": [{"workId": work, "quantity": 1, "format": "DIGITAL"}],
                "expiresAt": later(),
            }
        },
        world.tokens["donor_librarian"],
    )
    assert body["data"]["createOffer"]["fields"] == [
        {
            "field": "licence",
            "code": "required_for_digital",
            "message": "an offer with DIGITAL lines needs a licence",
        }
    ]


@pytest.mark.parametrize("document", ["CreateOffer", "CreateRequest"])
async def test_offers_and_requests_default_to_the_callers_library(
    client: Any, world: World, runtime: Runtime, document: str
) -> None:
    work = await make_work(runtime, world, "Defaults")
    line = print_line(work, 1) if document == "CreateOffer" else {"workId": work, "quantity": 1}
    extra = {"expiresAt": later()} if document == "CreateOffer" else {}
    variables = {"input": {"lines": [line], **extra}}
    key = document[0].lower() + document[1:]
    own = world.donor if document == "CreateOffer" else world.national
    librarian = "donor_librarian" if document == "CreateOffer" else "librarian"
    made = await gql(client, operation(document), variables, world.tokens[librarian])
    assert made["data"][key]["partner"]["id"] == own
    none = await gql(client, operation(document), variables, world.tokens["coordinator"])
    assert none["data"][key]["fields"] == [
        {
            "field": "partnerId",
            "code": "required",
            "message": "name the partner: you are a librarian at none or at several",
        }
    ]


@pytest.mark.parametrize("language", ["en", "eng", "EN"])
async def test_a_described_need_scores_the_share_of_its_criteria_met(
    client: Any, world: World, runtime: Runtime, language: str
) -> None:
    # a need's language in any ISO 639 spelling is stored as the catalogue stores a work's
    # (``eng`` -> ``en``): stored as typed, ``eng`` never matched and scored 66 at most
    full = await make_work(runtime, world, "Soils", subjects=["soil"], level=WorkLevel.GRADUATE)
    partial = await make_work(runtime, world, "Soils for schools", subjects=["soil"])
    await open_offer(client, world, [print_line(full, 1), print_line(partial, 1)])
    request = await post_request(
        client,
        world,
        [{"subject": "soil", "language": language, "level": "GRADUATE", "quantity": 1}],
    )
    found = await gql(
        client,
        operation("Suggestions"),
        {"requestLineId": request["lines"][0]["id"]},
        world.tokens["coordinator"],
    )
    ranked = [
        (s["offerLine"]["workId"], s["exactWork"], s["score"]) for s in found["data"]["suggestions"]
    ]
    assert ranked == [(full, False, 100), (partial, False, 66)]


async def audit_head(runtime: Runtime) -> int:
    async with runtime.db.read() as session:
        head = await chain.head(session)
    return head.seq if head else 0


async def tokens_of(runtime: Runtime, account_id: str) -> list[tuple[str, bool]]:
    async with runtime.db.read() as session:
        rows = await session.exec(
            select(Token).where(Token.account_id == uuid.UUID(account_id)).order_by(col(Token.id))
        )
        return [(t.label, t.revoked_at is not None) for t in rows.all()]


async def test_an_admin_issues_and_revokes_another_accounts_token_audited(
    client: Any, world: World, runtime: Runtime
) -> None:
    researcher = world.account_ids["researcher"]
    before = (await tokens_of(runtime, researcher), await audit_head(runtime))
    variables = {"input": {"accountId": researcher, "days": 2, "label": "lost phone"}}
    denied = await gql(
        client, operation("IssueAccountToken"), variables, world.tokens["coordinator"]
    )
    assert denied["data"]["issueAccountToken"] == {
        "__typename": "PermissionDenied",
        "message": "not allowed to token.issue: only admins may",
        "action": "token.issue",
        "reason": "only admins may",
    }
    assert (await tokens_of(runtime, researcher), await audit_head(runtime)) == before

    issued = await gql(client, operation("IssueAccountToken"), variables, world.tokens["admin"])
    token = issued["data"]["issueAccountToken"]
    assert token["__typename"] == "IssuedToken"
    revoke = operation("RevokeAccountToken")
    denied_revoke = await gql(client, revoke, {"id": token["id"]}, world.tokens["researcher"])
    assert denied_revoke["data"]["revokeAccountToken"]["reason"] == "only admins may"
    done = await gql(client, revoke, {"id": token["id"]}, world.tokens["admin"])
    assert done["data"]["revokeAccountToken"]["__typename"] == "TokenRevoked"
    twice = await gql(client, revoke, {"id": token["id"]}, world.tokens["admin"])
    assert twice["data"]["revokeAccountToken"] == {
        "__typename": "Conflict",
        "message": "the token is already revoked",
        "existingId": token["id"],
    }
    assert await tokens_of(runtime, researcher) == [*before[0], ("lost phone", True)]
    async with runtime.db.read() as session:
        events = (
            await session.exec(
                select(AuditEvent.actor, AuditEvent.action)
                .where(AuditEvent.entity_id == token["id"])
                .order_by(col(AuditEvent.seq))
            )
        ).all()
    admin = f"account:{world.account_ids['admin']}"
    assert [tuple(e) for e in events] == [(admin, "token.create"), (admin, "token.revoke")]
    unknown = {"input": {"accountId": str(uuid.uuid4())}}
    missing = await gql(client, operation("IssueAccountToken"), unknown, world.tokens["admin"])
    assert missing["data"]["issueAccountToken"]["__typename"] == "NotFound"


@pytest.mark.parametrize("days", [0, -1, 36_501, 2_147_483_647])
async def test_a_token_lifetime_out_of_range_is_refused_on_its_field(
    client: Any, world: World, runtime: Runtime, days: int
) -> None:
    # found by the fuzzer: 2**31 - 1 days overflowed timedelta and answered "internal"
    researcher = world.account_ids["researcher"]
    before = (await tokens_of(runtime, researcher), await audit_head(runtime))
    variables = {"input": {"accountId": researcher, "days": days}}
    refused = await gql(client, operation("IssueAccountToken"), variables, world.tokens["admin"])
    answer = refused["data"]["issueAccountToken"]
    assert answer["__typename"] == "ValidationError"
    assert answer["fields"] == [
        {"field": "days", "code": "out_of_range", "message": "between 1 and 36500 days"}
    ]
    assert (await tokens_of(runtime, researcher), await audit_head(runtime)) == before
