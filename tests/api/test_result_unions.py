"""Each domain error a mutation's result union names comes back as its typed member.

Every mutation narrows the domain error to the members of its own union (``not_in_union``
raises for any other, masked as unexpected); these are the error paths of the identity,
partner and request mutations that no other test reaches, so a narrower that dropped one
of its members fails here. After each refusal nothing has changed (partners, audit head).
"""

from __future__ import annotations

from typing import Any

import pytest

from exchange.runtime import Runtime
from tests.conftest import World, db_state, gql, operation

UNKNOWN = "0190b6a0-0000-7000-8000-000000000000"


def invalid_id(field: str) -> dict[str, Any]:
    """The ValidationError of a malformed id given as ``field``."""
    return {
        "__typename": "ValidationError",
        "message": f"{field}: not a valid UUID",
        "fields": [{"field": field, "code": "invalid_id", "message": "not a valid UUID"}],
    }


MALFORMED = invalid_id("id")


def not_found(entity: str, id: str) -> dict[str, Any]:
    return {
        "__typename": "NotFound",
        "message": f"{entity} {id} not found",
        "entity": entity,
        "id": id,
    }


async def refused(
    client: Any, runtime: Runtime, document: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    """The mutation's one answer, checking that it changed nothing."""
    before = await db_state(runtime)
    body = await gql(client, operation(document), variables, token)
    assert "errors" not in body, body
    assert await db_state(runtime) == before
    (answer,) = body["data"].values()
    return dict(answer)


async def test_add_membership_names_an_unknown_partner_or_account_and_a_malformed_id(
    client: Any, world: World, runtime: Runtime
) -> None:
    admin, researcher = world.tokens["admin"], world.account_ids["researcher"]
    role = "LIBRARIAN"
    cases = [
        ({"accountId": researcher, "partnerId": UNKNOWN}, not_found("partner", UNKNOWN)),
        ({"accountId": UNKNOWN, "partnerId": world.donor}, not_found("account", UNKNOWN)),
        ({"accountId": "nope", "partnerId": world.donor}, invalid_id("accountId")),
        ({"accountId": researcher, "partnerId": "nope"}, invalid_id("partnerId")),
    ]
    for given, expected in cases:
        variables = {"input": {**given, "role": role}}
        assert await refused(client, runtime, "AddMembership", variables, admin) == expected


async def test_revoke_account_token_names_an_unknown_token_and_a_malformed_id(
    client: Any, world: World, runtime: Runtime
) -> None:
    admin = world.tokens["admin"]
    unknown = await refused(client, runtime, "RevokeAccountToken", {"id": UNKNOWN}, admin)
    assert unknown == not_found("token", UNKNOWN)
    malformed = await refused(client, runtime, "RevokeAccountToken", {"id": "nope"}, admin)
    assert malformed == MALFORMED


async def test_revoking_the_same_token_twice_in_one_request_fails_authentication_the_second_time(
    client: Any, world: World
) -> None:
    # the token was accepted when the request began; the second field finds it revoked
    document = (
        "mutation { first: revokeToken { __typename }"
        " second: revokeToken { __typename ... on AuthenticationFailed { message field } } }"
    )
    body = await gql(client, document, token=world.tokens["coordinator"])
    assert body == {
        "data": {
            "first": {"__typename": "TokenRevoked"},
            "second": {
                "__typename": "AuthenticationFailed",
                "message": "token revoked",
                "field": "Authorization",
            },
        }
    }


@pytest.mark.parametrize("document", ["SuspendPartner", "ReactivatePartner"])
async def test_a_status_change_names_an_unknown_partner_and_a_malformed_id(
    client: Any, world: World, runtime: Runtime, document: str
) -> None:
    admin = world.tokens["admin"]
    unknown = await refused(client, runtime, document, {"id": UNKNOWN}, admin)
    assert unknown == not_found("partner", UNKNOWN)
    assert await refused(client, runtime, document, {"id": "nope"}, admin) == MALFORMED


async def test_reactivating_an_active_partner_is_a_conflict(
    client: Any, world: World, runtime: Runtime
) -> None:
    answer = await refused(
        client, runtime, "ReactivatePartner", {"id": world.donor}, world.tokens["admin"]
    )
    assert answer == {
        "__typename": "Conflict",
        "message": "the partner is already active",
        "existingId": world.donor,
    }


async def test_cancel_request_names_an_unknown_request_a_malformed_id_and_a_second_cancel(
    client: Any, world: World, runtime: Runtime
) -> None:
    librarian = world.tokens["librarian"]
    unknown = await refused(client, runtime, "CancelRequest", {"id": UNKNOWN}, librarian)
    assert unknown == not_found("request", UNKNOWN)
    assert await refused(client, runtime, "CancelRequest", {"id": "nope"}, librarian) == MALFORMED
    lines = [{"quantity": 2, "subject": "physics"}]
    created = await gql(
        client,
        operation("CreateRequest"),
        {"input": {"partnerId": world.national, "lines": lines}},
        librarian,
    )
    request_id = created["data"]["createRequest"]["id"]
    cancelled = await gql(client, operation("CancelRequest"), {"id": request_id}, librarian)
    assert cancelled["data"]["cancelRequest"]["state"] == "CANCELLED"
    again = await refused(client, runtime, "CancelRequest", {"id": request_id}, librarian)
    assert again == {
        "__typename": "Conflict",
        "message": "the request is already cancelled",
        "existingId": request_id,
    }
