"""Accounts as admins manage them, through the services, on SQLite and PostgreSQL: the list
(search, pages), one account, removing a membership, disabling and enabling an account
(its sign-in, sessions and tokens refused meanwhile), each audited, each refused to others
with nothing changed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import col, select

from exchange.audit import chain
from exchange.errors import Conflict, NotFound, PermissionDenied, Unauthenticated
from exchange.identity import directory, sessions, tokens
from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM, Identity
from exchange.identity.models import Account, Membership
from exchange.pagination import PageRequest
from exchange.runtime import Runtime
from tests.conftest import World

LIFETIMES = sessions.Lifetimes(idle=timedelta(hours=1), absolute=timedelta(hours=8))
PASSWORD = "a long enough password"


async def who(runtime: Runtime, world: World, name: str) -> Identity:
    async with runtime.db.read() as session:
        return await tokens.authenticate(session, world.tokens[name])


async def audit_head(runtime: Runtime) -> object:
    async with runtime.db.read() as session:
        last = await chain.head(session)
    return None if last is None else last.seq


async def last_events(runtime: Runtime, count: int) -> list[tuple[str, str]]:
    """The audit trail's last ``count`` events as (action, entity id)."""
    async with runtime.db.read() as session:
        found = [(e.action, e.entity_id) async for e in chain.stream(session)]
    return found[-count:]


async def test_accounts_are_searched_and_paged(runtime: Runtime, world: World) -> None:
    admin = await who(runtime, world, "admin")
    async with runtime.db.read() as session:
        first = await directory.list_accounts(
            admin, None, PageRequest(2, None), session=session, policy=runtime.policy
        )
        rest = await directory.list_accounts(
            admin, None, PageRequest(10, first.items[-1].id), session=session,
            policy=runtime.policy,
        )  # fmt: skip
        found = await directory.list_accounts(
            admin, "LIBRAR", PageRequest(10, None), session=session, policy=runtime.policy
        )
        hostile = await directory.list_accounts(
            admin, "%' OR '1'='1", PageRequest(10, None), session=session, policy=runtime.policy
        )
    emails = [a.email for a in [*first.items, *rest.items]]
    assert first.has_next
    assert not rest.has_next
    assert emails == [f"{k}@example.org" for k in world.account_ids]
    assert [a.email for a in found.items] == [
        "librarian@example.org",
        "donor_librarian@example.org",
    ]
    assert hostile.items == []


async def test_only_admins_list_and_read_accounts(runtime: Runtime, world: World) -> None:
    coordinator = await who(runtime, world, "coordinator")
    async with runtime.db.read() as session:
        with pytest.raises(PermissionDenied, match=r"account\.list: only admins may"):
            await directory.list_accounts(
                coordinator, None, PageRequest(5, None), session=session, policy=runtime.policy
            )
        with pytest.raises(PermissionDenied, match=r"account\.read: only admins may"):
            await directory.read_account(
                coordinator,
                uuid.UUID(world.account_ids["researcher"]),
                session=session,
                policy=runtime.policy,
            )


async def test_a_membership_is_removed_and_audited(runtime: Runtime, world: World) -> None:
    admin = await who(runtime, world, "admin")
    librarian = uuid.UUID(world.account_ids["librarian"])
    async with runtime.db.read() as session:
        view = await directory.read_account(
            admin, librarian, session=session, policy=runtime.policy
        )
    [item] = view.memberships
    assert (str(item.partner.id), item.membership.role) == (world.national, "librarian")
    assert [t.label for t in view.tokens] == [""]

    other = await who(runtime, world, "librarian")
    before = await audit_head(runtime)
    with pytest.raises(PermissionDenied, match=r"membership\.delete: only admins may"):
        async with runtime.db.unit_of_work() as uow:
            await directory.remove_membership(
                other, item.membership.id, uow=uow, policy=runtime.policy
            )
    assert await audit_head(runtime) == before
    async with runtime.db.unit_of_work() as uow:
        await directory.remove_membership(admin, item.membership.id, uow=uow, policy=runtime.policy)
    async with runtime.db.read() as session:
        left = (
            await session.exec(select(Membership).where(Membership.account_id == librarian))
        ).all()
    assert left == []
    assert await last_events(runtime, 1) == [("membership.delete", str(item.membership.id))]
    with pytest.raises(NotFound):
        async with runtime.db.unit_of_work() as uow:
            await directory.remove_membership(
                admin, item.membership.id, uow=uow, policy=runtime.policy
            )


async def test_a_disabled_account_cannot_sign_in_or_use_its_sessions_and_tokens(
    runtime: Runtime, world: World
) -> None:
    admin = await who(runtime, world, "admin")
    async with runtime.db.unit_of_work() as uow:
        account = await identity_service.create_account(
            SYSTEM,
            identity_service.AccountDraft("ri@example.org", "Ri", PASSWORD),
            uow=uow,
            policy=runtime.policy,
        )
        _row, secret = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
        _session, cookie = await sessions.sign_in(
            "ri@example.org", PASSWORD, uow=uow, lifetimes=LIFETIMES
        )

    researcher = await who(runtime, world, "researcher")
    with pytest.raises(PermissionDenied, match=r"account\.disable: only admins may"):
        async with runtime.db.unit_of_work() as uow:
            await directory.set_disabled(
                researcher, account.id, True, uow=uow, policy=runtime.policy
            )
    assert admin.account_id is not None
    async with runtime.db.unit_of_work() as uow:
        with pytest.raises(Conflict, match="you cannot disable your own account"):
            await directory.set_disabled(
                admin, admin.account_id, True, uow=uow, policy=runtime.policy
            )
    async with runtime.db.unit_of_work() as uow:
        await directory.set_disabled(admin, account.id, True, uow=uow, policy=runtime.policy)

    async with runtime.db.read() as session:
        with pytest.raises(Unauthenticated, match="this account is disabled"):
            await tokens.authenticate(session, secret)
        with pytest.raises(Unauthenticated, match="this account is disabled"):
            await sessions.resume(session, cookie, lifetimes=LIFETIMES)
    async with runtime.db.unit_of_work() as uow:
        with pytest.raises(Unauthenticated, match="this account is disabled"):
            await tokens.login("ri@example.org", PASSWORD, uow=uow, ttl=timedelta(days=1))
        with pytest.raises(Unauthenticated, match="this account is disabled"):
            await sessions.sign_in("ri@example.org", PASSWORD, uow=uow, lifetimes=LIFETIMES)
    with pytest.raises(Conflict, match="the account is already disabled"):
        async with runtime.db.unit_of_work() as uow:
            await directory.set_disabled(admin, account.id, True, uow=uow, policy=runtime.policy)

    async with runtime.db.unit_of_work() as uow:
        await directory.set_disabled(admin, account.id, False, uow=uow, policy=runtime.policy)
    async with runtime.db.read() as session:
        assert (await tokens.authenticate(session, secret)).email == "ri@example.org"
        assert (await sessions.resume(session, cookie, lifetimes=LIFETIMES)).identity.email == (
            "ri@example.org"
        )
        row = (await session.exec(select(Account).where(col(Account.id) == account.id))).one()
    assert row.disabled_at is None
    assert await last_events(runtime, 2) == [
        ("account.disable", str(account.id)),
        ("account.enable", str(account.id)),
    ]
