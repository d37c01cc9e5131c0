"""Bearer tokens and logins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from exchange import clock
from exchange.identity import service as identity_service
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM
from exchange.identity.models import Token
from exchange.runtime import Runtime
from tests.conftest import World, gql, operation


async def test_a_token_identifies_its_account(client: Any, world: World) -> None:
    body = await gql(client, operation("Viewer"), token=world.tokens["librarian"])
    viewer = body["data"]["viewer"]
    assert viewer["anonymous"] is False
    assert viewer["account"]["email"] == "librarian@example.org"
    assert [(m["role"], m["partner"]["id"]) for m in viewer["memberships"]] == [
        ("LIBRARIAN", world.national)
    ]


async def test_no_token_is_anonymous(client: Any, world: World) -> None:
    body = await gql(client, operation("Viewer"))
    assert body["data"]["viewer"] == {"anonymous": True, "account": None, "memberships": []}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer sx_unknown", "unknown token"),
        ("Bearer nonsense", "malformed token"),
        ("Basic dXNlcjpwYXNz", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer ", "the Authorization header must be 'Bearer <token>'"),
    ],
)
async def test_bad_tokens_are_refused_with_401_naming_the_header(
    client: Any, world: World, header: str, message: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ viewer { anonymous } }"}, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "message": message,
                "extensions": {"code": "unauthenticated", "field": "Authorization"},
            }
        ]
    }


async def test_expired_token_is_refused(client: Any, world: World, runtime: Runtime) -> None:
    async with runtime.db.unit_of_work() as uow:
        account = await identity_service.account_by_email(uow.session, "researcher@example.org")
        token, secret = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
        token.expires_at = clock.now() - timedelta(seconds=1)
        uow.session.add(token)
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { anonymous } }"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "token expired"


async def test_revoked_token_stops_working(client: Any, world: World) -> None:
    token = world.tokens["coordinator"]
    body = await gql(client, operation("RevokeToken"), token=token)
    assert body["data"]["revokeToken"]["__typename"] == "TokenRevoked"
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { anonymous } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "token revoked"


async def test_tokens_are_stored_only_as_hashes(world: World, runtime: Runtime) -> None:
    async with runtime.db.read() as session:
        stored = {t.secret_hash for t in (await session.exec(select(Token))).all()}
    assert stored
    assert not any(secret in stored for secret in world.tokens.values())
    assert all(len(h) == 64 for h in stored)


async def test_login_with_password_issues_a_working_token(
    client: Any, world: World, runtime: Runtime
) -> None:
    admin = world.tokens["admin"]
    created = await gql(
        client,
        operation("CreateAccount"),
        {
            "input": {
                "email": "New.Person@Example.org",
                "displayName": "New  Person",
                "password": "correct horse battery",
            }
        },
        admin,
    )
    assert created["data"]["createAccount"]["email"] == "new.person@example.org"
    assert created["data"]["createAccount"]["displayName"] == "New Person"

    wrong = await gql(
        client,
        operation("Login"),
        {"email": "new.person@example.org", "password": "wrong password!"},
    )
    assert wrong["data"]["login"] == {
        "__typename": "AuthenticationFailed",
        "message": "wrong e-mail or password",
        "field": "password",
    }
    unknown = await gql(
        client, operation("Login"), {"email": "nobody@example.org", "password": "whatever it is"}
    )
    assert unknown["data"]["login"] == wrong["data"]["login"]

    ok = await gql(
        client,
        operation("Login"),
        {"email": "NEW.person@example.org", "password": "correct horse battery"},
    )
    token = ok["data"]["login"]["token"]
    viewer = await gql(client, operation("Viewer"), token=token)
    assert viewer["data"]["viewer"]["account"]["email"] == "new.person@example.org"


async def test_passwords_are_argon2id_hashes(world: World, runtime: Runtime) -> None:
    async with runtime.db.unit_of_work() as uow:
        account = await identity_service.create_account(
            SYSTEM,
            identity_service.AccountDraft("hash@example.org", "Hash", "a long enough password"),
            uow=uow,
            policy=runtime.policy,
        )
    assert account.password_hash is not None
    assert account.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"email": "not-an-email"}, "email", "invalid_email"),
        ({"displayName": "  "}, "displayName", "required"),
        ({"password": "short"}, "password", "too_short"),
    ],
)
async def test_bad_account_input_is_a_validation_error(
    client: Any, world: World, fields: dict[str, str], field: str, code: str
) -> None:
    base = {"email": "ok@example.org", "displayName": "Ok", "password": "long enough password"}
    body = await gql(
        client, operation("CreateAccount"), {"input": {**base, **fields}}, world.tokens["admin"]
    )
    result = body["data"]["createAccount"]
    assert result["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [(field, code)]


async def test_duplicate_email_is_a_conflict_naming_the_account(client: Any, world: World) -> None:
    body = await gql(
        client,
        operation("CreateAccount"),
        {"input": {"email": "ADMIN@example.org", "displayName": "Again"}},
        world.tokens["admin"],
    )
    assert body["data"]["createAccount"]["__typename"] == "Conflict"
    assert body["data"]["createAccount"]["existingId"] == world.account_ids["admin"]


async def test_only_admins_add_memberships(client: Any, world: World) -> None:
    variables = {
        "input": {
            "accountId": world.account_ids["researcher"],
            "partnerId": world.donor,
            "role": "LIBRARIAN",
        }
    }
    denied = await gql(client, operation("AddMembership"), variables, world.tokens["librarian"])
    assert denied["data"]["addMembership"]["__typename"] == "PermissionDenied"
    added = await gql(client, operation("AddMembership"), variables, world.tokens["admin"])
    assert added["data"]["addMembership"]["role"] == "LIBRARIAN"
    again = await gql(client, operation("AddMembership"), variables, world.tokens["admin"])
    assert again["data"]["addMembership"]["__typename"] == "Conflict"
