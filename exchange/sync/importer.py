"""Applying a bundle: all of it in the caller's one transaction, or nothing.

For each origin range ``(after, upto]`` in the signed header, with ``mark`` this
instance's position in that origin: ``upto <= mark`` is already held (a duplicate: nothing
to do); ``after > mark`` leaves a gap, and the bundle waits (``BundleWaiting`` names the
missing range); otherwise the changes above ``mark`` are applied and the mark becomes
``upto``. A record is written only when the version carried is newer than the one held
(same origin, higher sequence), so overlapping bundles and repeats converge. The header's
acknowledgements raise what the sender is known to hold (never lower it).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.table import table
from exchange.db.uow import UnitOfWork
from exchange.errors import PermissionDenied
from exchange.identity.identity import Identity
from exchange.objects.models import ObjectState
from exchange.policy import PolicyEngine
from exchange.storage import Storage
from exchange.storage.errors import IntegrityMismatch
from exchange.sync import changes, conflicts, entities, instance
from exchange.sync.bundle import Opened
from exchange.sync.errors import BundleRefused, BundleWaiting
from exchange.sync.models import (
    SyncBundle,
    SyncMark,
    SyncPeerOrigin,
    SyncProposal,
    SyncVersion,
)

_VERSIONS = table(SyncVersion)


@dataclass(frozen=True, slots=True)
class Applied:
    bundle_id: uuid.UUID
    sender: uuid.UUID
    applied: int
    duplicate: bool


def _ranges(header: dict[str, Any]) -> dict[uuid.UUID, tuple[int, int]]:
    try:
        return {uuid.UUID(o): (int(a), int(b)) for o, (a, b) in header["ranges"].items()}
    except (KeyError, ValueError, TypeError, AttributeError):
        raise BundleRefused("the header's ranges are malformed") from None


BATCH = 1000  # changes per statement


def _upsert(
    dialect: str,
    statement_table: sa.Table,
    values: dict[str, Any] | list[dict[str, Any]],
    keys: list[str],
) -> Any:
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(statement_table)
    insert = insert.values(values)
    names = values[0] if isinstance(values, list) else values
    others = {k: insert.excluded[k] for k in names if k not in keys}
    return insert.on_conflict_do_update(index_elements=keys, set_=others)


async def apply(
    identity: Identity,
    opened: Opened,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    storage: Storage,
) -> Applied:
    """Apply ``opened`` (already proved by ``bundle.read``) inside ``uow``.

    Raises ``BundleRefused`` (addressed elsewhere, inconsistent content, rows that do not
    fit), ``BundleWaiting`` (a gap before it), ``PermissionDenied``."""
    if not identity.system:
        raise PermissionDenied("sync.import")
    header = opened.header
    self_id = await instance.ensure(uow)
    if header.get("to") != str(self_id):
        raise BundleRefused(f"addressed to instance {header.get('to')}, not to {self_id}")
    sender = uuid.UUID(str(header["from"]))
    bundle_id = uuid.UUID(str(header["bundle_id"]))
    session = uow.session
    ranges = {o: r for o, r in _ranges(header).items() if o != self_id}
    marks = await changes.marks(session)
    missing = {
        str(o): (marks.get(o, 0) + 1, after)
        for o, (after, _upto) in ranges.items()
        if after > marks.get(o, 0)
    }
    if missing:
        raise BundleWaiting(missing)
    todo: list[dict[str, Any]] = []
    for change in opened.changes:
        try:
            origin, seq, kind = uuid.UUID(change["origin"]), int(change["seq"]), change["type"]
        except (KeyError, ValueError, TypeError):
            raise BundleRefused("a change is malformed") from None
        if origin == self_id:
            continue
        if origin not in ranges or not ranges[origin][0] < seq <= ranges[origin][1]:
            raise BundleRefused(f"change {origin}/{seq} lies outside the ranges declared")
        if kind not in entities.CODECS:
            raise BundleRefused(f"unknown record type {kind!r}")
        if seq > marks.get(origin, 0):
            todo.append(change)
    todo.sort(key=lambda c: (entities.RANK[c["type"]], int(c["seq"])))
    applied = 0
    touched: list[dict[str, Any]] = []
    try:
        for kind, grouped in itertools.groupby(todo, key=lambda c: str(c["type"])):
            group = list(grouped)
            for start in range(0, len(group), BATCH):
                chosen = await conflicts.accepted(session, kind, group[start : start + BATCH])
                if not chosen:
                    continue
                await entities.apply(session, uow.dialect, kind, [c["rows"] for c in chosen])
                versions = [
                    {
                        "entity_type": kind,
                        "entity_id": c["id"],
                        "origin_id": uuid.UUID(c["origin"]),
                        "seq": int(c["seq"]),
                    }
                    for c in chosen
                ]
                await session.execute(
                    _upsert(uow.dialect, _VERSIONS, versions, ["entity_type", "entity_id"])
                )
                applied += len(chosen)
                touched.extend(chosen)
        await _settle(uow, self_id, touched, policy)
        await _store_objects(touched, opened, storage)
        duplicate = all(upto <= marks.get(o, 0) for o, (_a, upto) in ranges.items())
        for origin, (_after, upto) in ranges.items():
            if upto > marks.get(origin, 0):
                await session.execute(
                    _upsert(
                        uow.dialect,
                        table(SyncMark),
                        {"origin_id": origin, "seq": upto},
                        ["origin_id"],
                    )
                )
        await _acknowledge(uow, sender, header.get("acks") or {})
        await session.flush()
    except IntegrityError as error:
        raise BundleRefused(f"its records do not fit this database ({error.orig})") from None
    except (ValueError, KeyError, TypeError) as error:
        raise BundleRefused(f"a record is malformed ({error})") from None
    uow.session.add(
        SyncBundle(
            bundle_id=bundle_id,
            peer_id=sender,
            direction="in",
            outcome="duplicate" if duplicate else "applied",
            changes=applied,
            size=opened.size,
            at=clock.now(),
        )
    )
    if not duplicate:
        after = {"from": str(sender), "applied": applied, "ranges": header["ranges"]}
        uow.record(
            AuditRecord(identity.label, "sync.import", "sync_bundle", str(bundle_id), None, after)
        )
    return Applied(bundle_id, sender, applied, duplicate)


async def _store_objects(applied: list[dict[str, Any]], opened: Opened, storage: Storage) -> None:
    """Every available object applied must end with its bytes here: already stored under
    its key, or carried in the bundle (the bag check proved them against their SHA-256,
    and storage checks again while writing). Otherwise the bundle is refused."""
    for change in applied:
        if change["type"] != "digital_object":
            continue
        row = change["rows"]["digital_object"][0]
        if row["state"] != ObjectState.AVAILABLE.value:
            continue
        key, sha, size = row["storage_key"], row["sha256"], int(row["size"])
        held = await storage.stat(key)
        if held is not None and held.size == size:
            continue
        source = opened.objects.get(sha)
        if source is None:
            raise BundleRefused(
                f"object {row['id']}: its bytes (sha256 {sha}) are neither in the bundle"
                " nor held here"
            )
        try:
            await storage.put(key, _chunks(source), expected_size=size, expected_sha256=sha)
        except IntegrityMismatch as error:
            raise BundleRefused(f"object {row['id']}: {error}") from None


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    handle = await anyio.open_file(path, "rb")
    async with handle:
        while chunk := await handle.read(4 * 1024 * 1024):
            yield chunk


async def _settle(
    uow: UnitOfWork, self_id: uuid.UUID, applied: list[dict[str, Any]], policy: PolicyEngine
) -> None:
    """Recount the lines the applied changes touched, then answer the proposals addressed
    here (``conflicts`` rules 4 and 5)."""
    offer_lines: list[uuid.UUID] = []
    request_lines: list[uuid.UUID] = []
    for change in applied:
        rows = change["rows"]
        for row in rows.get("allocation", []):
            offer_lines.append(uuid.UUID(row["offer_line_id"]))
            request_lines.append(uuid.UUID(row["request_line_id"]))
        offer_lines.extend(uuid.UUID(r["id"]) for r in rows.get("offer_line", []))
        request_lines.extend(uuid.UUID(r["id"]) for r in rows.get("request_line", []))
    await conflicts.recount(uow.session, offer_lines, request_lines)
    for change in applied:
        if change["type"] == "proposal":
            proposal = await uow.session.get(SyncProposal, uuid.UUID(change["id"]))
            if proposal is not None:
                await conflicts.decide(uow, self_id, proposal, policy)


async def _acknowledge(uow: UnitOfWork, sender: uuid.UUID, acks: dict[str, Any]) -> None:
    for origin_text, value in acks.items():
        origin = uuid.UUID(origin_text)
        row = await uow.session.get(SyncPeerOrigin, (sender, origin))
        if row is None:
            row = SyncPeerOrigin(peer_id=sender, origin_id=origin, acked=0, sent=0)
        row.acked = max(row.acked, int(value))
        uow.session.add(row)


async def log_refusal(
    uow: UnitOfWork, bundle_id: uuid.UUID, sender: uuid.UUID, outcome: str, reason: str, size: int
) -> None:
    """Record a refused or waiting bundle (in a unit of work of its own: the one that
    tried to apply it was rolled back)."""
    uow.session.add(
        SyncBundle(
            bundle_id=bundle_id,
            peer_id=sender,
            direction="in",
            outcome=outcome,
            reason=reason,
            size=size,
            at=clock.now(),
        )
    )
