"""Accounts, memberships and API tokens.

Tokens are ``sx_`` followed by 256 random bits; only their SHA-256 is stored, so a
database leak does not leak usable tokens. They expire and can be revoked.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, Unauthenticated, ValidationFailed
from exchange.identity import passwords
from exchange.identity.identity import Grant, Identity, Role
from exchange.identity.models import Account, Membership, Token
from exchange.partners.models import Partner
from exchange.partners.service import resource as partner_resource
from exchange.policy import PLATFORM, PolicyEngine

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
TOKEN_PREFIX = "sx_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True, slots=True)
class AccountDraft:
    email: str
    display_name: str
    password: str | None = None


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _normalize_email(raw: str) -> str:
    return raw.strip().lower()


async def create_account(
    identity: Identity, draft: AccountDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Account:
    """Register a person (admins)."""
    policy.require(identity, "account.create", PLATFORM)
    email = _normalize_email(draft.email)
    display_name = " ".join(draft.display_name.split())
    errors: list[FieldError] = []
    if len(email) > 320 or not EMAIL.match(email):
        errors.append(FieldError("email", "invalid_email", "not an e-mail address"))
    if not display_name:
        errors.append(FieldError("displayName", "required", "a display name is required"))
    elif len(display_name) > 200:
        errors.append(FieldError("displayName", "too_long", "at most 200 characters"))
    if draft.password is not None and len(draft.password) < passwords.MIN_LENGTH:
        errors.append(
            FieldError("password", "too_short", f"at least {passwords.MIN_LENGTH} characters")
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
        await session.exec(select(Account).where(Account.email == _normalize_email(email)))
    ).first()
    if account is None:
        raise NotFound("account", email)
    return account


async def issue_token(
    account: Account, *, uow: UnitOfWork, ttl: timedelta, label: str = ""
) -> tuple[Token, str]:
    """Create a token for ``account``; returns the row and the secret (shown once)."""
    if ttl <= timedelta(0):
        raise ValidationFailed.single("ttl", "out_of_range", "a token must live for some time")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = Token(
        account_id=account.id,
        secret_hash=_secret_hash(secret),
        label=label[:100],
        created_at=now,
        expires_at=now + ttl,
    )
    uow.session.add(token)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            f"account:{account.id}",
            "token.create",
            "token",
            str(token.id),
            None,
            {"account_id": str(account.id), "expires_at": clock.iso(token.expires_at)},
        )
    )
    return token, secret


async def login(email: str, password: str, *, uow: UnitOfWork, ttl: timedelta) -> tuple[Token, str]:
    """Exchange an e-mail and password for a token. Both failures read the same."""
    account = (
        await uow.session.exec(select(Account).where(Account.email == _normalize_email(email)))
    ).first()
    if account is None or account.password_hash is None:
        await passwords.hash_password(password)  # spend the same time as a real check
        raise Unauthenticated("wrong e-mail or password", field="password")
    if not await passwords.verify_password(account.password_hash, password):
        raise Unauthenticated("wrong e-mail or password", field="password")
    return await issue_token(account, uow=uow, ttl=ttl, label="login")


async def _token(session: AsyncSession, secret: str) -> Token:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("malformed token")
    token = (
        await session.exec(select(Token).where(Token.secret_hash == _secret_hash(secret)))
    ).first()
    if token is None:
        raise Unauthenticated("unknown token")
    if token.revoked_at is not None:
        raise Unauthenticated("token revoked")
    if token.expires_at <= clock.now():
        raise Unauthenticated("token expired")
    return token


async def authenticate(session: AsyncSession, secret: str) -> Identity:
    """The identity a bearer token stands for, or Unauthenticated (one query)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("malformed token")
    statement = (
        sa.select(
            col(Token.account_id),
            col(Token.revoked_at),
            col(Token.expires_at),
            col(Account.email),
            col(Membership.partner_id),
            col(Membership.role),
        )
        .join(Account, col(Account.id) == col(Token.account_id))
        .outerjoin(Membership, col(Membership.account_id) == col(Token.account_id))
        .where(col(Token.secret_hash) == _secret_hash(secret))
        .order_by(col(Membership.id))
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    if not rows:
        raise Unauthenticated("unknown token")
    account_id, revoked_at, expires_at, email, _, _ = rows[0]
    if revoked_at is not None:
        raise Unauthenticated("token revoked")
    if expires_at <= clock.now():
        raise Unauthenticated("token expired")
    grants = tuple(
        Grant(partner_id, Role(role)) for *_, partner_id, role in rows if partner_id is not None
    )
    return Identity(account_id=account_id, email=email, grants=grants)


async def identity_of(session: AsyncSession, account: Account) -> Identity:
    memberships = (
        await session.exec(
            select(Membership)
            .where(Membership.account_id == account.id)
            .order_by(col(Membership.id))
        )
    ).all()
    grants = tuple(Grant(m.partner_id, Role(m.role)) for m in memberships)
    return Identity(account_id=account.id, email=account.email, grants=grants)


async def revoke_token(identity: Identity, secret: str, *, uow: UnitOfWork) -> Token:
    """Revoke the caller's own token."""
    token = await _token(uow.session, secret)
    if identity.account_id != token.account_id:
        raise Unauthenticated("token belongs to another account")
    token.revoked_at = clock.now()
    uow.session.add(token)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label,
            "token.revoke",
            "token",
            str(token.id),
            None,
            {"revoked_at": clock.iso(token.revoked_at)},
        )
    )
    return token


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
