"""An admin revokes a token of the account it names, and only of that one (the newcomer's
trial, item 2: the account in ``/admin/accounts/<A>/tokens/<token of B>/revoke`` was
ignored and B's token revoked)."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, select

from exchange.audit import chain
from exchange.errors import NotFound
from exchange.identity import tokens
from exchange.identity.identity import Grant, Identity, Role
from exchange.identity.models import Token
from exchange.runtime import Runtime
from tests.conftest import World


def _admin(world: World) -> Identity:
    return Identity(
        account_id=uuid.UUID(world.account_ids["admin"]),
        email="admin@example.org",
        grants=(Grant(uuid.UUID(world.donor), Role.ADMIN),),
    )


async def _held(runtime: Runtime) -> list[tuple[str, str, bool]]:
    """Every token as (id, account id, revoked), by id; and nothing else is needed."""
    async with runtime.db.read() as session:
        found = (await session.exec(select(Token).order_by(col(Token.id)))).all()
    return [(str(t.id), str(t.account_id), t.revoked_at is not None) for t in found]


async def _token_of(runtime: Runtime, account_id: str) -> uuid.UUID:
    async with runtime.db.read() as session:
        statement = select(Token).where(Token.account_id == uuid.UUID(account_id))
        return (await session.exec(statement)).one().id


async def _audit_head(runtime: Runtime) -> int:
    async with runtime.db.read() as session:
        last = await chain.head(session)
    return last.seq if last else 0


async def test_a_token_of_another_account_than_the_one_named_is_not_found(
    runtime: Runtime, world: World
) -> None:
    admin = _admin(world)
    named, holder = world.account_ids["librarian"], world.account_ids["researcher"]
    token_id = await _token_of(runtime, holder)
    before, head = await _held(runtime), await _audit_head(runtime)
    with pytest.raises(NotFound):
        async with runtime.db.unit_of_work() as uow:
            await tokens.revoke_by_id(
                admin, token_id, uow=uow, policy=runtime.policy, account_id=uuid.UUID(named)
            )
    assert await _held(runtime) == before
    assert await _audit_head(runtime) == head

    async with runtime.db.unit_of_work() as uow:
        revoked = await tokens.revoke_by_id(
            admin, token_id, uow=uow, policy=runtime.policy, account_id=uuid.UUID(holder)
        )
    assert (str(revoked.id), str(revoked.account_id)) == (str(token_id), holder)
    assert [t for t in await _held(runtime) if t[2]] == [(str(token_id), holder, True)]
