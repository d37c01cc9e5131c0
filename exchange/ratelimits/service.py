"""Fixed-window attempt counters (state in the ``rate_counter`` table).

A rule allows ``limit`` counted attempts per subject in a window of ``window_seconds``;
once they are spent, ``require_allowed`` raises ``RateLimited`` with the seconds left in
the window (the ``Retry-After`` of RFC 6585 §4) until the window ends. Counting is one
atomic upsert (``INSERT ... ON CONFLICT DO UPDATE``, SQLite and PostgreSQL alike), so
concurrent processes never lose a count. Subjects (an e-mail, an address) are stored only
as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.db.table import table
from exchange.errors import RateLimited
from exchange.ratelimits.models import RateCounter

TABLE = table(RateCounter)


@dataclass(frozen=True, slots=True)
class Rule:
    """``scope`` names what is counted (``sign-in:account``); ``message`` is shown when spent."""

    scope: str
    limit: int
    window_seconds: int
    message: str

    def key(self, subject: str) -> str:
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.scope}:{digest}"


def _now() -> int:
    return math.floor(clock.now().timestamp())


async def require_allowed(session: AsyncSession, checks: Sequence[tuple[Rule, str]]) -> None:
    """Raises ``RateLimited`` when any (rule, subject) has spent its attempts (one query)."""
    keys = {rule.key(subject): rule for rule, subject in checks}
    statement = select(TABLE.c.key, TABLE.c.window_start, TABLE.c.count).where(
        TABLE.c.key.in_(keys)
    )
    now = _now()
    rows = (await session.exec(statement)).all()
    for key, window_start, count in rows:
        rule = keys[key]
        left = window_start + rule.window_seconds - now
        if left > 0 and count >= rule.limit:
            raise RateLimited(rule.message, left)


async def count(session: AsyncSession, dialect: str, rule: Rule, subject: str) -> None:
    """Count one attempt, starting a new window when the last one has ended."""
    now = _now()
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    expired = TABLE.c.window_start <= now - rule.window_seconds
    statement = (
        insert(TABLE)
        .values(key=rule.key(subject), window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                "count": sa.case((expired, 1), else_=TABLE.c.count + 1),
                "window_start": sa.case((expired, now), else_=TABLE.c.window_start),
            },
        )
    )
    await session.exec(statement)


async def purge(session: AsyncSession, older_than_seconds: int) -> None:
    """Forget counters whose window started more than ``older_than_seconds`` ago."""
    statement = sa.delete(TABLE).where(TABLE.c.window_start < _now() - older_than_seconds)
    await session.exec(statement)
