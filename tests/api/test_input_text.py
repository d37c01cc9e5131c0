"""Issue 11 item 9: hostile text and dates get a typed answer naming the field, on both
databases, and nothing is written."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from exchange.identity.identity import SYSTEM
from exchange.partners.models import Partner
from exchange.requests.models import ResourceRequest
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments.models import Shipment, ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action
from tests.conftest import World, db_state, operation
from tests.shipments.scene import draft, make_scene
from tests.shipments.test_workflow import take

# Each is refused by XML 1.0 §2.2: NUL, a lone surrogate, ESC, U+FFFE.
HOSTILE = ["nul\x00here", "lone \ud800 surrogate", "esc \x1b[2K", "not a char \ufffe"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        key_encryption_key=base64.b64encode(b"s" * 32).decode("ascii"),
    )


async def post(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    """POST as JSON with \\u escapes (a lone surrogate cannot be sent as UTF-8)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": document, "variables": variables})
    response = await client.post("/graphql", content=body.encode("ascii"), headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def refused(answer: dict[str, Any], field: str, code: str) -> dict[str, Any]:
    """The query error of a refused argument: code and field exactly."""
    [error] = answer["errors"]
    assert isinstance(error, dict)
    assert error["extensions"]["code"] == "validation_failed", answer
    assert [(f["field"], f["code"]) for f in error["extensions"]["fields"]] == [(field, code)]
    return error


def invalid(result: dict[str, Any], field: str, code: str) -> None:
    """The ValidationError result of a refused mutation: field and code exactly."""
    assert result["__typename"] == "ValidationError", result
    assert [(f["field"], f["code"]) for f in result["fields"]] == [(field, code)]


@pytest.mark.parametrize("value", HOSTILE)
async def test_partner_search_with_a_forbidden_character_names_the_field(
    client: httpx.AsyncClient, world: World, value: str
) -> None:
    answer = await post(client, operation("Partners"), {"filter": {"search": value}})
    assert answer["data"] is None
    refused(answer, "filter.search", "forbidden_character")


async def test_a_50001_character_search_is_too_long_for_partners_and_works(
    client: httpx.AsyncClient, world: World
) -> None:
    long = "a" * 50_001
    answer = await post(client, operation("Partners"), {"filter": {"search": long}})
    refused(answer, "filter.search", "too_long")
    answer = await post(client, operation("Works"), {"search": long})
    refused(answer, "search", "too_long")
    answer = await post(client, operation("Partners"), {"filter": {"search": "a" * 501}})
    assert refused(answer, "search", "too_long")["message"] == "search: at most 500 characters"


@pytest.mark.parametrize("tag", ['a"b', "a\\b", '"]', "\\"])
async def test_a_tag_filter_with_a_quote_or_backslash_matches_nothing(
    client: httpx.AsyncClient, world: World, tag: str
) -> None:
    token = world.tokens["admin"]
    answer = await post(client, operation("Partners"), {"filter": {"tag": tag}}, token)
    assert answer == {
        "data": {"partners": {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}}
    }
    tagged = await post(
        client, operation("Partners"), {"filter": {"tag": "review-destination"}}, token
    )
    assert [e["node"]["id"] for e in tagged["data"]["partners"]["edges"]] == [world.national]


@pytest.mark.parametrize("value", HOSTILE)
async def test_partner_tags_and_names_with_a_forbidden_character_change_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, value: str
) -> None:
    before = await db_state(runtime)
    token = world.tokens["admin"]
    create = {"names": [{"lang": "en", "value": "Ok"}], "country": "DE", "kind": "PUBLISHER"}
    answer = await post(
        client, operation("CreatePartner"), {"input": {**create, "tags": ["ok", value]}}, token
    )
    invalid(answer["data"]["createPartner"], "tags[1]", "forbidden_character")
    names = [{"lang": "en", "value": value}]
    answer = await post(
        client, operation("CreatePartner"), {"input": {**create, "names": names}}, token
    )
    invalid(answer["data"]["createPartner"], "names[0].value", "forbidden_character")
    update = {"id": world.national, "tags": [value]}
    answer = await post(client, operation("UpdatePartner"), {"input": update}, token)
    invalid(answer["data"]["updatePartner"], "tags[0]", "forbidden_character")
    assert await db_state(runtime) == before


async def test_names_are_stored_in_nfc(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    decomposed = "E\u0301cole Normale"  # E + COMBINING ACUTE ACCENT
    create = {"names": [{"lang": "fr", "value": decomposed}], "country": "FR", "kind": "PUBLISHER"}
    answer = await post(
        client, operation("CreatePartner"), {"input": create}, world.tokens["admin"]
    )
    created = answer["data"]["createPartner"]
    assert created["name"] == "\u00c9cole Normale"
    async with runtime.db.read() as session:
        row = await session.get(Partner, uuid.UUID(created["id"]))
        assert row is not None
        assert row.names == [{"lang": "fr", "value": "\u00c9cole Normale"}]


@pytest.mark.parametrize("value", HOSTILE)
async def test_login_with_a_forbidden_character_in_the_email_is_a_validation_error(
    client: httpx.AsyncClient, world: World, value: str
) -> None:
    answer = await post(client, operation("Login"), {"email": value, "password": "x"})
    invalid(answer["data"]["login"], "email", "forbidden_character")
    answer = await post(client, operation("Login"), {"email": "a@b.org", "password": value})
    invalid(answer["data"]["login"], "password", "forbidden_character")


@pytest.mark.parametrize("value", HOSTILE)
async def test_work_title_and_publisher_with_a_forbidden_character_change_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, value: str
) -> None:
    before = await db_state(runtime)
    token = world.tokens["donor_librarian"]
    work = {"kind": "TEXTBOOK", "titles": [{"lang": "en", "value": "Ok"}], "language": "en"}
    answer = await post(
        client,
        operation("CreateWork"),
        {"input": {**work, "titles": [{"lang": "en", "value": value}]}},
        token,
    )
    invalid(answer["data"]["createWork"], "titles[0].value", "forbidden_character")
    answer = await post(
        client, operation("CreateWork"), {"input": {**work, "publisher": value}}, token
    )
    invalid(answer["data"]["createWork"], "publisher", "forbidden_character")
    assert await db_state(runtime) == before


@pytest.mark.parametrize("value", HOSTILE)
async def test_a_request_note_with_a_forbidden_character_changes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, value: str
) -> None:
    before = await db_state(runtime)
    request = {
        "partnerId": world.national,
        "note": value,
        "lines": [{"quantity": 1, "subject": "physics"}],
    }
    answer = await post(
        client, operation("CreateRequest"), {"input": request}, world.tokens["librarian"]
    )
    invalid(answer["data"]["createRequest"], "note", "forbidden_character")
    async with runtime.db.read() as session:
        assert (await session.exec(select(ResourceRequest))).all() == []
    assert await db_state(runtime) == before


async def test_a_receipt_note_with_cr_and_esc_is_refused_and_the_shipment_stays_delivered(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    shipment = await draft(runtime, scene, scene.national, ShipmentMode.PHYSICAL, 2)
    await take(runtime, scene, shipment.id, Action.PACK, scene.sender)
    await take(runtime, scene, shipment.id, Action.APPROVE, scene.coordinator)
    for action in (Action.DISPATCH, Action.MARK_IN_TRANSIT, Action.MARK_DELIVERED):
        await take(runtime, scene, shipment.id, action, scene.sender)
    before = await db_state(runtime)
    forged = "ok\r\x1b[2K  received 2026-01-01, 0 discrepancies"
    token = world.tokens["librarian"]
    sid = str(shipment.id)
    answer = await post(
        client, operation("ReceiveShipment"), {"id": sid, "input": {"note": forged}}, token
    )
    invalid(answer["data"]["receiveShipment"], "note", "forbidden_character")
    discrepancy = {"workId": str(scene.works[0]), "expected": 2, "received": 1, "note": forged}
    answer = await post(
        client,
        operation("ReceiveShipment"),
        {"id": sid, "input": {"discrepancies": [discrepancy]}},
        token,
    )
    invalid(answer["data"]["receiveShipment"], "discrepancies[0].note", "forbidden_character")
    async with runtime.db.read() as session:
        row = await session.get(Shipment, shipment.id)
        assert row is not None
        assert row.state == ShipmentState.DELIVERED.value
    assert await db_state(runtime) == before


async def test_a_usage_report_into_year_9999_is_an_empty_report(
    client: httpx.AsyncClient, world: World
) -> None:
    answer = await post(
        client,
        operation("UsageReport"),
        {"from": "9999-01-01", "to": "9999-12-31"},
        world.tokens["coordinator"],
    )
    assert answer == {
        "data": {
            "usageReport": {
                "from": "9999-01-01",
                "to": "9999-12-31",
                "total": 0,
                "rows": [],
                "byPartner": [],
                "byWork": [],
            }
        }
    }


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:00:00-05:00", "9999-12-31T12:00:00Z", "0001-01-01T00:00:00+05:00"]
)
async def test_an_offer_expiring_past_what_the_databases_store_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, world: World, moment: str
) -> None:
    before = await db_state(runtime)
    offer = {"partnerId": world.donor, "lines": [], "expiresAt": moment}
    answer = await post(
        client, operation("CreateOffer"), {"input": offer}, world.tokens["donor_librarian"]
    )
    invalid(answer["data"]["createOffer"], "expiresAt", "out_of_range")
    assert await db_state(runtime) == before


async def test_the_domain_refuses_the_same_text_for_every_adapter(runtime: Runtime) -> None:
    """The CLI and imports call services directly: the services apply the same rule."""
    from exchange.errors import ValidationFailed
    from exchange.partners import service as partners
    from exchange.partners.models import PartnerKind

    async with runtime.db.unit_of_work() as uow:
        with pytest.raises(ValidationFailed) as caught:
            await partners.create(
                SYSTEM,
                partners.PartnerDraft([("en", "bad\x00")], "DE", PartnerKind.PUBLISHER, []),
                uow=uow,
                policy=runtime.policy,
            )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("names[0].value", "forbidden_character")
    ]


def test_every_field_with_arguments_passes_the_input_boundary(tmp_path: Path) -> None:
    """The boundary guards the root fields; no other field may take arguments unguarded."""
    from exchange.api.inputs import InputBoundary
    from exchange.api.schema import Mutation, Query, build

    schema = build(Settings(data_dir=tmp_path))
    for root in (Query, Mutation):
        for field in getattr(root, "__strawberry_definition__").fields:  # noqa: B009
            guarded = any(isinstance(e, InputBoundary) for e in field.extensions)
            assert guarded == bool(field.arguments), field.name
    roots = {"Query", "Mutation"}
    unguarded = [
        f"{name}.{field_name}"
        for name, named in schema._schema.type_map.items()
        if name not in roots and not name.startswith("__")
        for field_name, field in (getattr(named, "fields", None) or {}).items()
        if getattr(field, "args", None)
    ]
    assert unguarded == []


async def test_the_directory_page_answers_a_forbidden_character_with_400(
    client: httpx.AsyncClient, world: World
) -> None:
    """Pages call the same service, so the same rule answers them."""
    response = await client.get("/", params={"q": "nul\x00"})
    assert response.status_code == 400
    assert "search: U+0000 at position 3 is not allowed in text" in response.text
