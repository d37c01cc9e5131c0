"""API tokens: issue, log in, authenticate, revoke.

Tokens are ``sx_`` followed by 256 random bits; only their SHA-256 is stored, so a
database leak does not leak usable tokens. They expire and can be revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, text
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import AccountDisabled, Conflict, NotFound, Unauthenticated, ValidationFailed
from exchange.identity import passwords
from exchange.identity.identity import Grant, Identity, Role
from exchange.identity.models import Account, Membership, Token
from exchange.identity.service import normalize_email
from exchange.policy import PLATFORM, PolicyEngine

TOKEN_PREFIX = "sx_"  # noqa: S105 (a prefix, not a secret)
MAX_LABEL = 100
PREFIX_SHOWN = 8  # "sx_" and 5 random characters: 30 of the secret's 256 bits


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def issue_token(
    account: Account,
    *,
    uow: UnitOfWork,
    ttl: timedelta,
    label: str = "",
    actor: Identity | None = None,
) -> tuple[Token, str]:
    """Create a token for ``account``; returns the row and the secret (shown once). The
    audit event names ``actor`` (an admin issuing it), else the account itself."""
    if ttl <= timedelta(0):
        raise ValidationFailed.single("ttl", "out_of_range", "a token must live for some time")
    label = text.checked(label, "label", limit=MAX_LABEL)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = Token(
        account_id=account.id,
        secret_hash=_secret_hash(secret),
        secret_prefix=secret[:PREFIX_SHOWN],
        label=label,
        created_at=now,
        expires_at=now + ttl,
    )
    uow.session.add(token)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            f"account:{account.id}" if actor is None else actor.label,
            "token.create",
            "token",
            str(token.id),
            None,
            {"account_id": str(account.id), "expires_at": clock.iso(token.expires_at)},
        )
    )
    return token, secret


async def login(email: str, password: str, *, uow: UnitOfWork, ttl: timedelta) -> tuple[Token, str]:
    """Exchange an e-mail and password for a token. Both failures read the same.
    Raises ``ValidationFailed`` for an e-mail or password the domain refuses as text."""
    text.checked(password, "password", limit=text.MAX_PASSWORD, normalise=False)
    account = (
        await uow.session.exec(select(Account).where(Account.email == normalize_email(email)))
    ).first()
    if account is None or account.password_hash is None:
        await passwords.hash_password(password)  # spend the same time as a real check
        raise Unauthenticated("wrong e-mail or password", field="password")
    if not await passwords.verify_password(account.password_hash, password):
        raise Unauthenticated("wrong e-mail or password", field="password")
    if account.disabled_at is not None:
        raise AccountDisabled(field="password")
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


# The account, its state and its memberships for a token's hash (``authenticate``).
_AUTHENTICATE = (
    sa.select(
        col(Token.account_id),
        col(Token.revoked_at),
        col(Token.expires_at),
        col(Account.email),
        col(Account.disabled_at),
        col(Membership.partner_id),
        col(Membership.role),
    )
    .join(Account, col(Account.id) == col(Token.account_id))
    .outerjoin(Membership, col(Membership.account_id) == col(Token.account_id))
    .where(col(Token.secret_hash) == sa.bindparam("secret_hash"))
    .order_by(col(Membership.id))
)


async def authenticate(session: AsyncSession, secret: str) -> Identity:
    """The identity a bearer token stands for, or Unauthenticated (one query)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("malformed token")
    # a Core statement (built once) on the session's connection: no ORM execution, and
    # no statement to build and key for the compiled cache, on every request's path
    connection = await session.connection()
    rows = (await connection.execute(_AUTHENTICATE, {"secret_hash": _secret_hash(secret)})).all()
    if not rows:
        raise Unauthenticated("unknown token")
    account_id, revoked_at, expires_at, email, disabled_at, _, _ = rows[0]
    if revoked_at is not None:
        raise Unauthenticated("token revoked")
    if expires_at <= clock.now():
        raise Unauthenticated("token expired")
    if disabled_at is not None:
        raise AccountDisabled()
    grants = tuple(
        Grant(partner_id, Role(role)) for *_, partner_id, role in rows if partner_id is not None
    )
    return Identity(account_id=account_id, email=email, grants=grants)


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


async def revoke_labelled(
    identity: Identity, account: Account, label: str, *, uow: UnitOfWork
) -> int:
    """Revoke every live token of ``account`` labelled ``label`` (audited, one event per
    token, by ``identity``); returns how many. The caller has been authorized."""
    now = clock.now()
    live = await uow.session.exec(
        select(Token).where(
            Token.account_id == account.id,
            Token.label == label,
            col(Token.revoked_at).is_(None),
        )
    )
    revoked = 0
    for token in live.all():
        token.revoked_at = now
        uow.session.add(token)
        uow.record(
            AuditRecord(
                identity.label,
                "token.revoke",
                "token",
                str(token.id),
                None,
                {"revoked_at": clock.iso(now)},
            )
        )
        revoked += 1
    await uow.session.flush()
    return revoked


async def issue_for(
    identity: Identity,
    account_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    ttl: timedelta,
    label: str = "admin",
) -> tuple[Token, str]:
    """Issue a token for another account (admins; Cedar ``token.issue``); audited as the
    admin's act. ``NotFound`` for an unknown account."""
    policy.require(identity, "token.issue", PLATFORM)
    account = await uow.session.get(Account, account_id)
    if account is None:
        raise NotFound("account", account_id)
    return await issue_token(account, uow=uow, ttl=ttl, label=label, actor=identity)


async def revoke_by_id(
    identity: Identity,
    token_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    account_id: uuid.UUID | None = None,
) -> Token:
    """Revoke any account's token by its id (admins; Cedar ``token.revoke``); audited.
    ``account_id``, when given, is the account the caller names as the token's holder.
    ``NotFound`` for an unknown id, or a token of another account than ``account_id``
    (nothing is changed); ``Conflict`` when it is already revoked."""
    policy.require(identity, "token.revoke", PLATFORM)
    token = await uow.session.get(Token, token_id)
    if token is None or (account_id is not None and token.account_id != account_id):
        raise NotFound("token", token_id)
    if token.revoked_at is not None:
        raise Conflict("the token is already revoked", token.id)
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
            {"account_id": str(token.account_id), "revoked_at": clock.iso(token.revoked_at)},
        )
    )
    return token
