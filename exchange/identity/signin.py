"""Sign-in and token look-up with attempt limits (the HTTP adapters call these).

Limits (each in a window of ``rate_limit_window_seconds``): failed sign-ins per account
(``sign_in_attempts_per_account``) and per client address (``sign_in_attempts_per_address``),
failed token look-ups per address (``token_failures_per_address``). Once a sign-in limit
is spent, attempts are refused with ``RateLimited`` before the password is checked.

These functions open their own units of work: a failed attempt must be counted although
the attempt itself fails (its transaction is rolled back), so the count is committed apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.db.engine import Database
from exchange.db.uow import UnitOfWork
from exchange.errors import Unauthenticated
from exchange.identity import sessions, tokens
from exchange.identity.identity import Identity
from exchange.identity.models import Token, WebSession
from exchange.identity.service import normalize_email
from exchange.messages import N_
from exchange.ratelimits import service as counters
from exchange.ratelimits.service import Rule
from exchange.settings import Settings

TOO_MANY = N_("too many failed attempts; retry later")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SignInLimits:
    per_account: Rule
    per_address: Rule
    token_failures: Rule

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        window = settings.rate_limit_window_seconds
        return cls(
            Rule("sign-in:account", settings.sign_in_attempts_per_account, window, TOO_MANY),
            Rule("sign-in:address", settings.sign_in_attempts_per_address, window, TOO_MANY),
            Rule("token:address", settings.token_failures_per_address, window, TOO_MANY),
        )


async def _within_limits(
    db: Database,
    email: str,
    address: str,
    limits: SignInLimits,
    attempt: Callable[[UnitOfWork], Awaitable[T]],
) -> T:
    """Run ``attempt`` (a sign-in that raises ``Unauthenticated`` on a wrong pair) unless
    the account or the address has spent its failed attempts (``RateLimited``); count a
    failure in a unit of work of its own."""
    account = normalize_email(email)
    checks = [(limits.per_account, account), (limits.per_address, address)]
    async with db.read() as session:
        await counters.require_allowed(session, checks)
    try:
        async with db.unit_of_work() as uow:
            return await attempt(uow)
    except Unauthenticated:
        async with db.unit_of_work() as uow:
            for rule, subject in checks:
                await counters.count(uow.session, uow.dialect, rule, subject)
            await counters.purge(uow.session, limits.per_address.window_seconds)
        raise


async def login(
    db: Database,
    email: str,
    password: str,
    *,
    address: str,
    limits: SignInLimits,
    ttl: timedelta,
) -> tuple[Token, str]:
    """``tokens.login`` within the limits. Raises ``RateLimited`` when the account or the
    address has spent its failed attempts, ``Unauthenticated`` (counted) on a wrong pair."""
    return await _within_limits(
        db, email, address, limits, lambda uow: tokens.login(email, password, uow=uow, ttl=ttl)
    )


async def start_session(
    db: Database,
    email: str,
    password: str,
    *,
    address: str,
    limits: SignInLimits,
    lifetimes: sessions.Lifetimes,
) -> tuple[WebSession, str]:
    """``sessions.sign_in`` (the pages) within the same limits as ``login``: a password
    guessed through the pages counts against the account like one through the API."""
    return await _within_limits(
        db,
        email,
        address,
        limits,
        lambda uow: sessions.sign_in(email, password, uow=uow, lifetimes=lifetimes),
    )


async def authenticate(
    db: Database,
    secret: str,
    *,
    address: str,
    limits: SignInLimits,
    session: AsyncSession | None = None,
) -> Identity:
    """``tokens.authenticate`` within the limit of failed look-ups per address: once it is
    spent, a token that fails is answered ``RateLimited`` instead of ``Unauthenticated``.
    A valid token is never refused (one query on the path every request takes; a 256-bit
    token cannot be guessed, the limit bounds the cost of trying). The look-up reads through
    ``session`` when given (a request's one read session), else a short one of its own."""
    try:
        if session is not None:
            return await tokens.authenticate(session, secret)
        async with db.read() as own:
            return await tokens.authenticate(own, secret)
    except Unauthenticated:
        check = [(limits.token_failures, address)]
        async with db.unit_of_work() as uow:
            await counters.require_allowed(uow.session, check)
            await counters.count(uow.session, uow.dialect, limits.token_failures, address)
            await counters.purge(uow.session, limits.token_failures.window_seconds)
        raise
