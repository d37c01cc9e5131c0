"""Web sessions: how a browser stays signed in to the pages.

A session is 256 random bits handed to the browser once, in a cookie; only its SHA-256 is
stored (like bearer tokens), so a database leak yields no usable session. It ends when it
has been idle longer than ``idle`` (OWASP Session Management: idle and absolute timeouts),
at its absolute ``expires_at``, or when the user signs out (revoked, not deleted, so the
audit trail keeps it). The CSRF token of a session (a synchronizer token, OWASP CSRF
Prevention) is an HMAC of its secret: tied to the session, nothing extra stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import AccountDisabled, Unauthenticated
from exchange.identity import passwords
from exchange.identity.identity import Grant, Identity, Role
from exchange.identity.models import Account, Membership, WebSession
from exchange.identity.service import normalize_email

SESSION_PREFIX = "ws_"
# The last-seen time is written at most this often: a page view is a read, not a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """How long a session lives without use, and at most."""

    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Resumed:
    """A live session: who it is, under which display name."""

    identity: Identity
    display_name: str
    session_id: uuid.UUID
    last_seen_at: datetime

    @property
    def stale(self) -> bool:
        """Whether the last-seen time is old enough to be written again."""
        return clock.now() - self.last_seen_at >= TOUCH_EVERY


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(secret: str) -> str:
    """The synchronizer token of the session whose cookie holds ``secret`` (64 hex)."""
    return hmac.new(secret.encode("utf-8"), b"csrf", hashlib.sha256).hexdigest()


def csrf_valid(secret: str, submitted: str) -> bool:
    """Whether a form's token belongs to this session (constant-time comparison)."""
    return hmac.compare_digest(csrf_token(secret), submitted)


async def sign_in(
    email: str, password: str, *, uow: UnitOfWork, lifetimes: Lifetimes
) -> tuple[WebSession, str]:
    """Start a session for the account with this e-mail and password.

    Returns the row and the cookie's secret (shown once). Raises ``Unauthenticated``
    with one message for an unknown e-mail and a wrong password alike, after spending
    the time of a real check either way."""
    account = (
        await uow.session.exec(select(Account).where(Account.email == normalize_email(email)))
    ).first()
    if account is None or account.password_hash is None:
        await passwords.hash_password(password)
        raise Unauthenticated("wrong e-mail or password", field="password")
    if not await passwords.verify_password(account.password_hash, password):
        raise Unauthenticated("wrong e-mail or password", field="password")
    if account.disabled_at is not None:
        raise AccountDisabled(field="password")
    now = clock.now()
    secret = SESSION_PREFIX + secrets.token_urlsafe(32)
    row = WebSession(
        account_id=account.id,
        secret_hash=_hash(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetimes.absolute,
    )
    uow.session.add(row)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            f"account:{account.id}",
            "session.start",
            "web_session",
            str(row.id),
            None,
            {"expires_at": clock.iso(row.expires_at)},
        )
    )
    return row, secret


async def resume(session: AsyncSession, secret: str, *, lifetimes: Lifetimes) -> Resumed:
    """The identity of a live session (one query), or ``Unauthenticated`` saying why
    (malformed, unknown, signed out, idle too long, expired)."""
    if not secret.startswith(SESSION_PREFIX) or len(secret) > 100:
        raise Unauthenticated("malformed session")
    # sqlmodel.select types at most four columns; its Select class takes any number
    statement: Select[*tuple[Any, ...]] = (
        Select(
            col(WebSession.id),
            col(WebSession.account_id),
            col(WebSession.last_seen_at),
            col(WebSession.expires_at),
            col(WebSession.revoked_at),
            col(Account.email),
            col(Account.display_name),
            col(Account.disabled_at),
            col(Membership.partner_id),
            col(Membership.role),
        )
        .join(Account, col(Account.id) == col(WebSession.account_id))
        .outerjoin(Membership, col(Membership.account_id) == col(WebSession.account_id))
        .where(col(WebSession.secret_hash) == _hash(secret))
        .order_by(col(Membership.id))
    )
    rows = (await session.exec(statement)).all()
    if not rows:
        raise Unauthenticated("unknown session")
    session_id, account_id, last_seen, expires_at, revoked_at, email, name, disabled, *_ = rows[0]
    now = clock.now()
    if revoked_at is not None:
        raise Unauthenticated("signed out")
    if expires_at <= now or last_seen + lifetimes.idle <= now:
        raise Unauthenticated("session expired")
    if disabled is not None:
        raise AccountDisabled()
    grants = tuple(
        Grant(partner_id, Role(role)) for *_, partner_id, role in rows if partner_id is not None
    )
    identity = Identity(account_id=account_id, email=email, grants=grants)
    return Resumed(identity, name, session_id, last_seen)


async def touch(secret: str, *, uow: UnitOfWork) -> None:
    """Record use of the session now (keeps it from going idle). Not audited: it changes
    no right, and a page view must not grow the audit chain."""
    await uow.session.exec(
        sa.update(WebSession)
        .where(col(WebSession.secret_hash) == _hash(secret))
        .where(col(WebSession.last_seen_at) < clock.now() - TOUCH_EVERY)
        .values(last_seen_at=clock.now())
    )


async def sign_out(secret: str, *, uow: UnitOfWork) -> bool:
    """Revoke the session whose cookie holds ``secret``; False when there was none live."""
    row = (
        await uow.session.exec(select(WebSession).where(WebSession.secret_hash == _hash(secret)))
    ).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    uow.session.add(row)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            f"account:{row.account_id}",
            "session.end",
            "web_session",
            str(row.id),
            None,
            {"revoked_at": clock.iso(row.revoked_at)},
        )
    )
    return True
