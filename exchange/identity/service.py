"""Accounts and memberships (tokens are in ``exchange.identity.tokens``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, text
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, ValidationFailed
from exchange.identity import passwords
from exchange.identity.identity import Identity, Role
from exchange.identity.models import Account, Membership
from exchange.messages import N_
from exchange.partners.models import Partner
from exchange.partners.service import resource as partner_resource
from exchange.policy import PLATFORM, PolicyEngine

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True, slots=True)
class AccountDraft:
    email: str
    display_name: str
    password: str | None = None


def normalize_email(raw: str) -> str:
    """Raises ``ValidationFailed`` (field ``email``) for text the domain refuses."""
    return text.checked(raw, "email", limit=text.MAX_EMAIL).strip().lower()


async def create_account(
    identity: Identity, draft: AccountDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Account:
    """Register a person (admins)."""
    policy.require(identity, "account.create", PLATFORM)
    email = normalize_email(draft.email)
    errors: list[FieldError] = []
    display_name = " ".join(text.check(draft.display_name, "displayName", errors).split())
    if len(email) > 320 or not EMAIL.match(email):
        errors.append(FieldError("email", "invalid_email", "not an e-mail address"))
    if any(e.field == "displayName" for e in errors):
        pass  # a forbidden character or far too long: said once
    elif not display_name:
        errors.append(FieldError("displayName", "required", "a display name is required"))
    elif len(display_name) > 200:
        errors.append(FieldError("displayName", "too_long", "at most 200 characters"))
    if draft.password is not None:
        # as sign-in reads it (tokens.login): a password it would refuse is never set
        found = text.problems(draft.password, "password", limit=text.MAX_PASSWORD, normalise=False)
        errors.extend(found[1])
        if not found[1] and len(draft.password) < passwords.MIN_LENGTH:
            errors.append(
                FieldError(
                    "password",
                    "too_short",
                    N_("at least {min_length} characters", min_length=passwords.MIN_LENGTH),
                )
            )
    if errors:
        raise ValidationFailed(errors)
    existing = (await uow.session.exec(select(Account).where(Account.email == email))).first()
    if existing is not None:
        raise Conflict("an account with this e-mail already exists", existing.id)
    password_hash = (
        None if draft.password is None else await passwords.hash_password(draft.password)
    )
    account = Account(
        email=email, display_name=display_name, password_hash=password_hash, created_at=clock.now()
    )
    uow.session.add(account)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            "account.create",
            "account",
            str(account.id),
            None,
            {"email": email, "display_name": display_name},
        )
    )
    return account


async def add_membership(
    identity: Identity,
    account_id: uuid.UUID,
    partner_id: uuid.UUID,
    role: Role,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Membership:
    """Give an account a role at a partner (admins)."""
    partner = await uow.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    policy.require(identity, "membership.create", partner_resource(partner))
    if await uow.session.get(Account, account_id) is None:
        raise NotFound("account", account_id)
    existing = (
        await uow.session.exec(
            select(Membership).where(
                Membership.account_id == account_id,
                Membership.partner_id == partner_id,
                Membership.role == role.value,
            )
        )
    ).first()
    if existing is not None:
        raise Conflict("the account already has this role at this partner", existing.id)
    membership = Membership(
        account_id=account_id, partner_id=partner_id, role=role.value, created_at=clock.now()
    )
    uow.session.add(membership)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            "membership.create",
            "membership",
            str(membership.id),
            None,
            {"account_id": str(account_id), "partner_id": str(partner_id), "role": role.value},
        )
    )
    return membership


async def account_by_email(session: AsyncSession, email: str) -> Account:
    account = (
        await session.exec(select(Account).where(Account.email == normalize_email(email)))
    ).first()
    if account is None:
        raise NotFound("account", email)
    return account


async def members(
    identity: Identity, partner_ids: list[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, list[Membership]]:
    """The memberships of each partner whose members the identity may see."""
    partners = list(
        (await session.exec(select(Partner).where(col(Partner.id).in_(partner_ids)))).all()
    )
    decisions = policy.allowed_many(
        identity, "partner.members.read", [partner_resource(p) for p in partners]
    )
    visible = [p.id for p, ok in zip(partners, decisions, strict=True) if ok]
    result: dict[uuid.UUID, list[Membership]] = {p: [] for p in visible}
    if visible:
        statement = (
            select(Membership)
            .where(col(Membership.partner_id).in_(visible))
            .order_by(col(Membership.id))
        )
        for membership in (await session.exec(statement)).all():
            result[membership.partner_id].append(membership)
    return result


async def accounts(
    identity: Identity, ids: list[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, Account]:
    """Accounts the identity may see: itself, and members of partners whose members it may see."""
    wanted = set(ids)
    memberships = (
        await session.exec(select(Membership).where(col(Membership.account_id).in_(wanted)))
    ).all()
    visible = {identity.account_id} if identity.account_id in wanted else set()
    shown = await members(
        identity, sorted({m.partner_id for m in memberships}), session=session, policy=policy
    )
    visible |= {m.account_id for group in shown.values() for m in group}
    if not visible:
        return {}
    rows = (await session.exec(select(Account).where(col(Account.id).in_(visible)))).all()
    return {a.id: a for a in rows}


async def memberships_of(identity: Identity, *, session: AsyncSession) -> list[Membership]:
    """The identity's own memberships."""
    if identity.account_id is None:
        return []
    statement = (
        select(Membership)
        .where(Membership.account_id == identity.account_id)
        .order_by(col(Membership.id))
    )
    return list((await session.exec(statement)).all())


async def display_names(ids: Iterable[uuid.UUID], *, session: AsyncSession) -> dict[uuid.UUID, str]:
    """Display names of accounts that acted on a record the caller was allowed to read
    (a shipment's events name who took each step): one query, no e-mail or membership."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.exec(
        select(Account.id, Account.display_name).where(col(Account.id).in_(wanted))
    )
    return dict(rows.all())
