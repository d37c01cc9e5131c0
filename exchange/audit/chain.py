"""Appending to the hash chain and walking it.

hash(n) = SHA-256(hash(n-1) as hex text + canonical JSON of event n), with hash(0) the
genesis value of 64 zeros. Appends take a lock that serializes them across connections
and processes: SQLite writers already hold the database's write lock (``BEGIN
IMMEDIATE``); PostgreSQL takes a transaction-scoped advisory lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.models import AuditEvent
from exchange.db.table import table
from exchange.ids import uuid7
from exchange.signing.canonical import canonical_json

GENESIS = "0" * 64
ADVISORY_LOCK_KEY = 0x5C0_1A7  # any constant shared by every instance of the service


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A state change as a service describes it; placed in the chain at commit."""

    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


FIELDS = ("seq", "id", "at", "actor", "action", "entity_type", "entity_id", "before", "after")


def document(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields covered by the hash, in their canonical text forms."""
    return {
        "seq": values["seq"],
        "id": str(values["id"]),
        "at": clock.iso(values["at"]),
        "actor": values["actor"],
        "action": values["action"],
        "entity_type": values["entity_type"],
        "entity_id": values["entity_id"],
        "before": values["before"],
        "after": values["after"],
    }


def event_document(event: AuditEvent) -> dict[str, Any]:
    return document({name: getattr(event, name) for name in FIELDS})


def chained_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(document(values))).hexdigest()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return chained_hash(prev_hash, {name: getattr(event, name) for name in FIELDS})


async def head(session: AsyncSession) -> AuditEvent | None:
    statement = select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)
    return (await session.exec(statement)).first()


# Built once, Core statements on the table: every write of the service ends here, inside
# the chain lock, so statement construction and ORM bulk machinery would sit in the one
# critical section all writers share.
_EVENTS = table(AuditEvent)
LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=ADVISORY_LOCK_KEY)
_HEAD = select(_EVENTS.c.seq, _EVENTS.c.hash).order_by(_EVENTS.c.seq.desc()).limit(1)
_INSERT = sa.insert(_EVENTS)


def recorded(record: AuditRecord, at: datetime) -> dict[str, Any]:
    """A record's unlinked fields: a fresh event id, its time, who, what, before, after."""
    return {
        "id": uuid7(),
        "at": at,
        "actor": record.actor,
        "action": record.action,
        "entity_type": record.entity_type,
        "entity_id": record.entity_id,
        "before": record.before,
        "after": record.after,
    }


def linked(seq: int, prev: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (as ``recorded`` makes them) placed after the event ``seq`` whose hash is
    ``prev``: each gets its sequence, previous hash and hash."""
    events: list[dict[str, Any]] = []
    for row in rows:
        seq += 1
        event = {**row, "seq": seq, "prev_hash": prev}
        event["hash"] = prev = chained_hash(prev, event)
        events.append(event)
    return events


async def locked_head(session: AsyncSession, dialect: str) -> tuple[int, str]:
    """Take the chain's lock (until the transaction ends) and read its head: (seq, hash),
    (0, GENESIS) when empty. On PostgreSQL the head is read in a statement after the lock
    is granted, so it sees every append committed before."""
    if dialect == "postgresql":
        # SQLModel's exec runs text, but its overloads name only select and DML constructs;
        # its execute is deprecated (a DeprecationWarning per call)
        await session.exec(LOCK)  # type: ignore[call-overload]
    last = (await session.exec(_HEAD)).first()
    return (last[0], last[1]) if last else (0, GENESIS)


async def append(session: AsyncSession, dialect: str, records: Iterable[AuditRecord]) -> None:
    """Add ``records`` at the head of the chain, inside the caller's transaction (which
    then holds the chain's lock until it ends)."""
    seq, prev = await locked_head(session, dialect)
    at = clock.now()
    rows = linked(seq, prev, [recorded(record, at) for record in records])
    if rows:  # one executemany, no ORM objects: imports append thousands at a time
        await session.exec(_INSERT, params=rows)


@dataclass(frozen=True, slots=True)
class Break:
    """Where the chain stops being trustworthy, and why."""

    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class Verification:
    count: int
    head_seq: int
    head_hash: str
    first_break: Break | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


async def stream(session: AsyncSession, batch: int = 1000) -> AsyncIterator[AuditEvent]:
    after = 0
    while True:
        statement = (
            select(AuditEvent)
            .where(AuditEvent.seq > after)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        )
        rows = list((await session.exec(statement)).all())
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].seq


async def verify(session: AsyncSession) -> Verification:
    """Walk the whole chain; report the first event that was edited, removed or moved."""
    expected_seq, prev, count = 1, GENESIS, 0
    async for event in stream(session):
        if event.seq != expected_seq:
            return Verification(
                count,
                expected_seq - 1,
                prev,
                Break(expected_seq, f"event {expected_seq} is missing (next is {event.seq})"),
            )
        if event.prev_hash != prev:
            return Verification(
                count,
                event.seq - 1,
                prev,
                Break(event.seq, "previous-hash link does not match the event before it"),
            )
        if compute_hash(prev, event) != event.hash:
            return Verification(
                count,
                event.seq - 1,
                prev,
                Break(event.seq, "content does not match its hash (edited)"),
            )
        prev, count, expected_seq = event.hash, count + 1, expected_seq + 1
    return Verification(count, expected_seq - 1, prev, None)
