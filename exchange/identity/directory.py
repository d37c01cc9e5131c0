"""Accounts as an administrator sees them: the list (searched, paginated), one account with
its memberships and tokens, removing a membership, disabling and enabling an account.

Every function asks the policy engine first (``account.list``, ``account.read``,
``membership.delete``, ``account.disable``, ``account.enable``; see
``policies/accounts.cedar``). Writers work inside the caller's
unit of work and never commit. Token secrets are never read: only their hash is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, text
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound
from exchange.identity.identity import Identity, Role
from exchange.identity.models import Account, Membership, Token
from exchange.messages import N_
from exchange.pagination import Page, PageRequest
from exchange.partners.models import Partner
from exchange.partners.service import resource as partner_resource
from exchange.policy import PLATFORM, PolicyEngine

# The partners an account page offers for a new membership, oldest first.
MAX_PARTNERS_OFFERED = 500


@dataclass(frozen=True, slots=True)
class MembershipView:
    membership: Membership
    partner: Partner


@dataclass(frozen=True, slots=True)
class AccountView:
    """One account: its memberships (with their partners, oldest first), its tokens (newest
    first; hashes are not exposed by the pages) and the partners a membership may name."""

    account: Account
    memberships: list[MembershipView]
    tokens: list[Token]
    partners: list[Partner]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_accounts(
    identity: Identity,
    search: str | None,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Account]:
    """Accounts, oldest first, whose e-mail or display name contains ``search`` (case-
    insensitive); ``page.first`` per page after the cursor. ``PermissionDenied`` unless
    Cedar allows ``account.list`` (admins); ``ValidationFailed`` (``search``) for text the
    domain refuses."""
    policy.require(identity, "account.list", PLATFORM)
    statement = select(Account)
    term = text.checked_optional(search, "search", limit=text.MAX_SEARCH)
    if term and term.strip():
        pattern = f"%{_escape_like(term.strip().lower())}%"
        statement = statement.where(
            col(Account.email).like(pattern, escape="\\")
            | col(Account.display_name).ilike(pattern, escape="\\")
        )
    if page.after is not None:
        statement = statement.where(col(Account.id) > page.after)
    statement = statement.order_by(col(Account.id)).limit(page.first + 1)
    return Page.from_rows(list((await session.exec(statement)).all()), page)


async def read_account(
    identity: Identity, account_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> AccountView:
    """The account with its memberships and tokens. ``PermissionDenied`` unless Cedar allows
    ``account.read`` (admins); ``NotFound`` for an unknown account."""
    policy.require(identity, "account.read", PLATFORM)
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("account", account_id)
    joined = await session.exec(
        select(Membership, Partner)
        .join(Partner, col(Partner.id) == col(Membership.partner_id))
        .where(Membership.account_id == account_id)
        .order_by(col(Membership.id))
    )
    tokens = await session.exec(
        select(Token).where(Token.account_id == account_id).order_by(col(Token.id).desc())
    )
    partners = await session.exec(
        select(Partner).order_by(col(Partner.id)).limit(MAX_PARTNERS_OFFERED)
    )
    return AccountView(
        account,
        [MembershipView(m, p) for m, p in joined.all()],
        list(tokens.all()),
        list(partners.all()),
    )


async def remove_membership(
    identity: Identity, membership_id: uuid.UUID, *, uow: UnitOfWork, policy: PolicyEngine
) -> Membership:
    """Take a role at a partner away from an account; audited (``membership.delete``).
    ``NotFound`` for an unknown membership; ``PermissionDenied`` unless Cedar allows
    ``membership.delete`` on its partner (admins); ``Conflict`` when an admin would remove
    their own admin role (nobody could then give it back through the pages)."""
    found = (
        await uow.session.exec(
            select(Membership, Partner)
            .join(Partner, col(Partner.id) == col(Membership.partner_id))
            .where(Membership.id == membership_id)
            .with_for_update()
        )
    ).first()
    if found is None:
        raise NotFound("membership", membership_id)
    membership, partner = found
    policy.require(identity, "membership.delete", partner_resource(partner))
    if membership.account_id == identity.account_id and membership.role == Role.ADMIN.value:
        raise Conflict("you cannot remove your own admin role", membership.id)
    before = {
        "account_id": str(membership.account_id),
        "partner_id": str(membership.partner_id),
        "role": membership.role,
    }
    await uow.session.delete(membership)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label, "membership.delete", "membership", str(membership.id), before, None
        )
    )
    return membership


async def set_disabled(
    identity: Identity,
    account_id: uuid.UUID,
    disabled: bool,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Account:
    """Disable the account (it cannot sign in; its sessions and tokens are refused, not
    revoked) or enable it again; audited (``account.disable`` / ``account.enable``).
    ``PermissionDenied`` unless Cedar allows the action (admins); ``NotFound`` for an
    unknown account; ``Conflict`` when it already is so, or when an admin would disable
    their own account."""
    action = "account.disable" if disabled else "account.enable"
    policy.require(identity, action, PLATFORM)
    account = (
        await uow.session.exec(select(Account).where(Account.id == account_id).with_for_update())
    ).first()
    if account is None:
        raise NotFound("account", account_id)
    if disabled and account.id == identity.account_id:
        raise Conflict("you cannot disable your own account", account.id)
    if (account.disabled_at is not None) == disabled:
        already = (
            N_("the account is already disabled")
            if disabled
            else N_("the account is already enabled")
        )
        raise Conflict(already, account.id)
    before = {
        "disabled_at": None if account.disabled_at is None else clock.iso(account.disabled_at)
    }
    account.disabled_at = clock.now() if disabled else None
    uow.session.add(account)
    await uow.session.flush()
    after = {"disabled_at": None if account.disabled_at is None else clock.iso(account.disabled_at)}
    uow.record(AuditRecord(identity.label, action, "account", str(account.id), before, after))
    return account
