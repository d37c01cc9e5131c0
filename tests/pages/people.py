"""People for the page tests: an account with a password and a role, and signing it in
through the sign-in form as a browser would (the pre-session token, then the cookie)."""

from __future__ import annotations

import re
import uuid

import httpx
import sqlalchemy as sa

from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM, Role
from exchange.runtime import Runtime

PASSWORD = "a long enough password"


async def person(runtime: Runtime, email: str, partner: str | uuid.UUID, role: Role) -> None:
    """An account named after its e-mail, with ``PASSWORD`` and ``role`` at ``partner``."""
    async with runtime.db.unit_of_work() as uow:
        account = await identity_service.create_account(
            SYSTEM,
            identity_service.AccountDraft(email, email.split("@")[0].title(), PASSWORD),
            uow=uow,
            policy=runtime.policy,
        )
        await identity_service.add_membership(
            SYSTEM, account.id, uuid.UUID(str(partner)), role, uow=uow, policy=runtime.policy
        )


def hidden(html: str, name: str) -> str:
    """The value of a form's hidden field."""
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in as a new browser (cookies cleared); returns the session's CSRF token."""
    client.cookies.clear()
    form = await client.get("/signin")
    response = await client.post(
        "/signin",
        data={"email": email, "password": password, "presession": hidden(form.text, "presession")},
    )
    assert response.status_code == 303, response.text
    return hidden((await client.get("/dashboard")).text, "csrf")


async def rows(runtime: Runtime, sql: str) -> list[tuple[object, ...]]:
    """What the database holds, by plain SQL (after a page's action)."""
    async with runtime.db.read() as session:
        connection = await session.connection()
        return [tuple(row) for row in (await connection.execute(sa.text(sql))).all()]


async def member_signed_in(
    client: httpx.AsyncClient, runtime: Runtime, email: str, partner: str | uuid.UUID, role: Role
) -> str:
    """A new account (``person``) signed in as a new browser (``sign_in``); returns the
    session's CSRF token."""
    await person(runtime, email, partner, role)
    return await sign_in(client, email)
