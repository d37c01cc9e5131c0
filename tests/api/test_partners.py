"""Partners through GraphQL: what each kind of user can do, and what bad input gets."""

from __future__ import annotations

from typing import Any

import pytest

from exchange.runtime import Runtime
from tests.conftest import World, db_state, gql, operation

NEW_PARTNER: dict[str, Any] = {
    "names": [
        {"lang": "ko-hang", "value": "  김책공업종합대학  "},
        {"lang": "ko-Latn", "value": "Kim Ch'aek Kongŏp Chonghap Taehak"},
        {"lang": "en", "value": "Kim Chaek University of Technology"},
    ],
    "country": "kp",
    "kind": "UNIVERSITY_LIBRARY",
    "tags": ["income-eligible", "Income-Eligible"],
}


async def test_admin_creates_partner_with_names_in_several_scripts(
    client: Any, world: World
) -> None:
    body = await gql(
        client, operation("CreatePartner"), {"input": NEW_PARTNER}, world.tokens["admin"]
    )
    created = body["data"]["createPartner"]
    assert created["__typename"] == "Partner"
    assert created["names"] == [
        {"lang": "ko-Hang", "value": "김책공업종합대학"},
        {"lang": "ko-Latn", "value": "Kim Ch'aek Kongŏp Chonghap Taehak"},
        {"lang": "en", "value": "Kim Chaek University of Technology"},
    ]
    assert created["name"] == "김책공업종합대학"
    assert (created["country"], created["kind"], created["status"]) == (
        "KP",
        "UNIVERSITY_LIBRARY",
        "ACTIVE",
    )
    assert created["tags"] == ["income-eligible"]

    fetched = await gql(
        client, operation("Partner"), {"id": created["id"]}, world.tokens["researcher"]
    )
    assert fetched["data"]["partner"]["names"] == created["names"]


@pytest.mark.parametrize("role", ["librarian", "coordinator", "researcher", None])
async def test_only_admins_create_partners_and_a_denial_changes_nothing(
    client: Any, world: World, runtime: Runtime, role: str | None
) -> None:
    before = await db_state(runtime)
    token = world.tokens[role] if role else None
    body = await gql(client, operation("CreatePartner"), {"input": NEW_PARTNER}, token)
    assert body["data"]["createPartner"] == {
        "__typename": "PermissionDenied",
        "message": "not allowed to partner.create: only admins may",
        "action": "partner.create",
        "reason": "only admins may",
    }
    assert await db_state(runtime) == before


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"country": "XX"}, "country", "invalid_country"),
        ({"country": "KOR"}, "country", "invalid_country"),
        ({"names": []}, "names", "required"),
        ({"names": [{"lang": "en", "value": "   "}]}, "names[0].value", "required"),
        ({"names": [{"lang": "en", "value": "x" * 301}]}, "names[0].value", "too_long"),
        ({"names": [{"lang": "english", "value": "A"}]}, "names[0].lang", "invalid_language"),
        ({"names": [{"lang": "qq", "value": "A"}]}, "names[0].lang", "unknown_language"),
        (
            {"names": [{"lang": "en", "value": "A"}, {"lang": "EN", "value": "B"}]},
            "names[1].lang",
            "duplicate",
        ),
        ({"tags": ["has space"]}, "tags[0]", "invalid_tag"),
    ],
)
async def test_bad_partner_input_names_the_field_and_writes_nothing(
    client: Any, world: World, runtime: Runtime, change: dict[str, Any], field: str, code: str
) -> None:
    before = await db_state(runtime)
    body = await gql(
        client,
        operation("CreatePartner"),
        {"input": {**NEW_PARTNER, **change}},
        world.tokens["admin"],
    )
    result = body["data"]["createPartner"]
    assert result["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [(field, code)]
    assert await db_state(runtime) == before


async def test_unknown_enum_value_is_rejected_before_anything_runs(
    client: Any, world: World, runtime: Runtime
) -> None:
    before = await db_state(runtime)
    body = await gql(
        client,
        operation("CreatePartner"),
        {"input": {**NEW_PARTNER, "kind": "CASINO"}},
        world.tokens["admin"],
    )
    assert body["data"] is None
    assert "CASINO" in body["errors"][0]["message"]
    assert "kind" in body["errors"][0]["message"]
    assert await db_state(runtime) == before


async def test_librarian_edits_own_partner_profile_but_not_another(
    client: Any, world: World, runtime: Runtime
) -> None:
    own = {"id": world.national, "names": [{"lang": "en", "value": "Grand People's Library"}]}
    body = await gql(client, operation("UpdatePartner"), {"input": own}, world.tokens["librarian"])
    assert body["data"]["updatePartner"]["names"] == [
        {"lang": "en", "value": "Grand People's Library"}
    ]
    assert body["data"]["updatePartner"]["tags"] == ["review-destination"]

    before = await db_state(runtime)
    other = {"id": world.donor, "names": [{"lang": "en", "value": "Hijacked"}]}
    body = await gql(
        client, operation("UpdatePartner"), {"input": other}, world.tokens["librarian"]
    )
    assert body["data"]["updatePartner"]["__typename"] == "PermissionDenied"
    assert await db_state(runtime) == before


async def test_suspended_partner_can_be_read_but_its_librarian_cannot_edit_it(
    client: Any, world: World, runtime: Runtime
) -> None:
    body = await gql(
        client,
        operation("SuspendPartner"),
        {"id": world.national, "reason": "sanctions review"},
        world.tokens["admin"],
    )
    assert body["data"]["suspendPartner"] == {
        "__typename": "Partner",
        "id": world.national,
        "status": "SUSPENDED",
    }

    before = await db_state(runtime)
    body = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": world.national, "tags": []}},
        world.tokens["librarian"],
    )
    assert body["data"]["updatePartner"]["__typename"] == "PermissionDenied"
    assert await db_state(runtime) == before

    read = await gql(
        client, operation("Partner"), {"id": world.national}, world.tokens["librarian"]
    )
    assert read["data"]["partner"]["status"] == "SUSPENDED"
    anonymous = await gql(client, operation("Partner"), {"id": world.national})
    assert anonymous["data"]["partner"]["status"] == "SUSPENDED"

    again = await gql(
        client, operation("SuspendPartner"), {"id": world.national}, world.tokens["admin"]
    )
    assert again["data"]["suspendPartner"]["__typename"] == "Conflict"
    back = await gql(
        client, operation("ReactivatePartner"), {"id": world.national}, world.tokens["admin"]
    )
    assert back["data"]["reactivatePartner"]["status"] == "ACTIVE"
    edit = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": world.national, "country": "kp", "kind": "UNIVERSITY_LIBRARY"}},
        world.tokens["librarian"],
    )
    assert edit["data"]["updatePartner"]["kind"] == "UNIVERSITY_LIBRARY"


async def test_anonymous_visitors_see_only_public_profiles(client: Any, world: World) -> None:
    body = await gql(client, operation("Partners"))
    assert [e["node"]["id"] for e in body["data"]["partners"]["edges"]] == [world.national]
    hidden = await gql(client, operation("Partner"), {"id": world.donor})
    assert hidden["data"]["partner"] is None
    signed_in = await gql(client, operation("Partners"), token=world.tokens["researcher"])
    assert [e["node"]["id"] for e in signed_in["data"]["partners"]["edges"]] == [
        world.national,
        world.donor,
    ]


async def test_members_are_shown_to_the_partner_and_staff_only(client: Any, world: World) -> None:
    own = await gql(
        client, operation("Partner"), {"id": world.national}, world.tokens["researcher"]
    )
    members = own["data"]["partner"]["members"]
    assert sorted((m["role"], m["account"]["email"]) for m in members) == [
        ("LIBRARIAN", "librarian@example.org"),
        ("RESEARCHER", "researcher@example.org"),
    ]
    assert {m["partner"]["id"] for m in members} == {world.national}
    outsider = await gql(
        client, operation("Partner"), {"id": world.national}, world.tokens["donor_librarian"]
    )
    assert outsider["data"]["partner"]["members"] == []
    anonymous = await gql(client, operation("Partner"), {"id": world.national})
    assert anonymous["data"]["partner"]["members"] == []


async def test_partners_paginate_by_cursor_and_filter(client: Any, world: World) -> None:
    admin = world.tokens["admin"]
    for index in range(5):
        created = await gql(
            client,
            operation("CreatePartner"),
            {
                "input": {
                    "names": [{"lang": "en", "value": f"Library {index}"}],
                    "country": "FR" if index % 2 else "CN",
                    "kind": "PUBLISHER",
                    "tags": ["even"] if index % 2 == 0 else [],
                }
            },
            admin,
        )
        assert created["data"]["createPartner"]["__typename"] == "Partner"
    seen: list[str] = []
    after = None
    while True:
        body = await gql(client, operation("Partners"), {"first": 3, "after": after}, admin)
        page = body["data"]["partners"]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["인민대학습당", "Open Shelves Foundation"] + [f"Library {i}" for i in range(5)]

    async def names(filter_: dict[str, Any]) -> list[str]:
        body = await gql(client, operation("Partners"), {"filter": filter_}, admin)
        return [e["node"]["name"] for e in body["data"]["partners"]["edges"]]

    assert await names({"country": "fr"}) == ["Library 1", "Library 3"]
    assert await names({"tag": "even"}) == ["Library 0", "Library 2", "Library 4"]
    assert await names({"kind": "NATIONAL_LIBRARY"}) == ["인민대학습당"]
    assert await names({"search": "학습"}) == ["인민대학습당"]
    assert await names({"search": "taehaksŭptang"}) == ["인민대학습당"]
    assert await names({"search": "100%"}) == []
    assert await names({"status": "SUSPENDED"}) == []


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"first": 101}, "first", "out_of_range"),
        ({"first": 0}, "first", "out_of_range"),
        ({"after": "@@@"}, "after", "invalid_cursor"),
    ],
)
async def test_page_requests_out_of_bounds_are_typed_errors(
    client: Any, world: World, variables: dict[str, Any], field: str, code: str
) -> None:
    body = await gql(client, operation("Partners"), variables, world.tokens["admin"])
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "validation_failed",
        "fields": [
            {
                "field": field,
                "code": code,
                "message": body["errors"][0]["extensions"]["fields"][0]["message"],
            }
        ],
    }


async def test_malformed_ids_are_validation_errors(client: Any, world: World) -> None:
    body = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": "not-a-uuid", "tags": []}},
        world.tokens["admin"],
    )
    assert body["data"]["updatePartner"] == {
        "__typename": "ValidationError",
        "message": "id: not a valid UUID",
        "fields": [{"field": "id", "code": "invalid_id", "message": "not a valid UUID"}],
    }
    missing = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": "0190b6a0-0000-7000-8000-000000000000", "tags": []}},
        world.tokens["admin"],
    )
    assert missing["data"]["updatePartner"]["__typename"] == "NotFound"
    query = await gql(client, operation("Partner"), {"id": "nope"})
    assert query["errors"][0]["extensions"]["code"] == "validation_failed"


async def audit_of(runtime: Runtime, entity_id: str) -> list[tuple[str, Any, Any]]:
    """(action, before, after) of every audit event about ``entity_id``, oldest first."""
    from sqlmodel import col, select

    from exchange.audit.models import AuditEvent

    async with runtime.db.read() as session:
        rows = await session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_id == entity_id)
            .order_by(col(AuditEvent.seq))
        )
        return [(e.action, e.before, e.after) for e in rows.all()]


@pytest.mark.parametrize(
    "change",
    [
        {"tags": ["review-destination", "income-eligible"]},  # unlocks tag-restricted downloads
        {"tags": []},  # would let shipments to it leave without a coordinator's approval
        {"public": False},
        {"names": [{"lang": "en", "value": "Renamed"}], "tags": ["income-eligible"]},
    ],
)
async def test_a_librarian_cannot_set_what_policies_read_of_its_partner(
    client: Any, world: World, runtime: Runtime, change: dict[str, Any]
) -> None:
    before = await db_state(runtime)
    body = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": world.national, **change}},
        world.tokens["librarian"],
    )
    denied = body["data"]["updatePartner"]
    assert (denied["__typename"], denied["action"]) == ("PermissionDenied", "partner.govern")
    assert await db_state(runtime) == before


async def test_a_librarian_may_send_the_tags_its_partner_already_has(
    client: Any, world: World, runtime: Runtime
) -> None:
    body = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": world.national, "tags": ["Review-Destination"], "public": True}},
        world.tokens["librarian"],
    )
    assert (body["data"]["updatePartner"]["tags"], body["data"]["updatePartner"]["public"]) == (
        ["review-destination"],
        True,
    )


@pytest.mark.parametrize("who", ["coordinator", "researcher", "donor_librarian"])
async def test_only_admins_govern_partners(
    client: Any, world: World, runtime: Runtime, who: str
) -> None:
    before = await db_state(runtime)
    body = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": world.national, "tags": ["income-eligible"]}},
        world.tokens[who],
    )
    assert body["data"]["updatePartner"]["__typename"] == "PermissionDenied"
    assert await db_state(runtime) == before


async def test_an_admin_sets_tags_and_public_and_the_audit_chain_records_old_and_new(
    client: Any, world: World, runtime: Runtime
) -> None:
    body = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": world.national, "tags": ["income-eligible"], "public": False}},
        world.tokens["admin"],
    )
    assert (body["data"]["updatePartner"]["tags"], body["data"]["updatePartner"]["public"]) == (
        ["income-eligible"],
        False,
    )
    events = await audit_of(runtime, world.national)
    action, old, new = events[-1]
    assert action == "partner.update"
    assert (old["tags"], old["public"]) == (["review-destination"], True)
    assert (new["tags"], new["public"]) == (["income-eligible"], False)
    assert {k: v for k, v in old.items() if k not in ("tags", "public")} == {
        k: v for k, v in new.items() if k not in ("tags", "public")
    }
