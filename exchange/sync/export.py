"""Writing a bundle for one peer: every change it has not acknowledged and may see.

Per origin instance O (this one, and every other origin whose changes were received here,
except the peer itself) the bundle covers the range ``(acked, held]``: ``acked`` is what
the peer last acknowledged of O, ``held`` this instance's position in O. Changes outside
the peer's ``Scope`` are left out but their positions are still covered, so the peer's
marks move past them. Nothing is marked as received by sending it: until the peer's
acknowledgement comes back, the next bundle covers the same range again, so a lost bundle
costs nothing but a resend.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.db.uow import UnitOfWork
from exchange.errors import PermissionDenied
from exchange.identity.identity import Identity
from exchange.ids import uuid7
from exchange.objects.models import ObjectState
from exchange.storage import Storage
from exchange.sync import bundle, changes, entities, instance, peers
from exchange.sync.models import SyncBundle, SyncObjectSent, SyncPeerOrigin

BATCH = 500


@dataclass(frozen=True, slots=True)
class Exported:
    bundle_id: uuid.UUID
    changes: int
    size: int
    ranges: dict[str, list[int]]


async def acknowledged(uow: UnitOfWork, peer_id: uuid.UUID) -> dict[uuid.UUID, SyncPeerOrigin]:
    rows = await uow.session.exec(
        select(SyncPeerOrigin).where(col(SyncPeerOrigin.peer_id) == peer_id)
    )
    return {r.origin_id: r for r in rows.all()}


async def collect(
    uow: UnitOfWork, self_id: uuid.UUID, peer_id: uuid.UUID
) -> tuple[dict[str, list[int]], list[dict[str, Any]]]:
    """The ranges per origin and the changes (in apply order) the peer should get."""
    session = uow.session
    acks = await acknowledged(uow, peer_id)
    held = {o: s for o, s in (await changes.marks(session)).items() if o != peer_id}
    held[self_id] = await changes.head(session)
    served = frozenset(str(p) for p in await peers.served_by(session, peer_id))
    scope = entities.Scope(str(peer_id), served, await entities.shipments_of(session, served))
    ranges: dict[str, list[int]] = {}
    found: list[changes.Change] = []
    for origin, upto in held.items():
        after = acks[origin].acked if origin in acks else 0
        if upto <= after:
            continue
        ranges[str(origin)] = [after, upto]
        read = changes.local if origin == self_id else changes.relayed
        found.extend(await read(session, origin, after, upto))
    by_type: dict[str, list[changes.Change]] = defaultdict(list)
    for change in found:
        by_type[change.entity_type].append(change)
    out: list[dict[str, Any]] = []
    hidden: list[tuple[changes.Change, str]] = []
    for entity_type in sorted(by_type, key=entities.RANK.__getitem__):
        group = by_type[entity_type]
        for start in range(0, len(group), BATCH):
            batch = group[start : start + BATCH]
            rows = await entities.load(session, entity_type, [c.entity_id for c in batch])
            for change in batch:
                carried = rows.get(change.entity_id)
                if carried is None:
                    continue
                if not scope.allows(entity_type, carried):
                    if entity_type == "allocation":
                        hidden.append((change, carried["offer_line"][0]["offer_id"]))
                    continue
                carried.pop(entities.PARTNERS, None)
                out.append(
                    {
                        "origin": str(change.origin),
                        "seq": change.seq,
                        "type": entity_type,
                        "id": change.entity_id,
                        "rows": carried,
                    }
                )
    out.extend(await _counters_of_hidden(session, scope, hidden))
    return ranges, out


async def _counters_of_hidden(
    session: AsyncSession, scope: entities.Scope, hidden: list[tuple[changes.Change, str]]
) -> list[dict[str, Any]]:
    """An allocation the peer may not see still moved its offer line's counter: the offer
    (with its lines) travels instead, at the allocation's position, so every replica of
    the line ends with its owner's counter (``conflicts`` rule 5)."""
    newest: dict[str, changes.Change] = {}
    for change, offer_id in hidden:
        if offer_id not in newest or newest[offer_id].seq < change.seq:
            newest[offer_id] = change
    found = await entities.load(session, "offer", list(newest))
    return [
        {
            "origin": str(change.origin),
            "seq": change.seq,
            "type": "offer",
            "id": offer_id,
            "rows": found[offer_id],
        }
        for offer_id, change in newest.items()
        if offer_id in found and scope.allows("offer", found[offer_id])
    ]


async def objects_to_carry(
    uow: UnitOfWork,
    peer_id: uuid.UUID,
    found: list[dict[str, Any]],
    ranges: dict[str, list[int]],
    storage: Storage,
) -> list[bundle.ObjectFile]:
    """The bytes of the available objects among ``found`` that the peer does not hold:
    never sent, or sent in a bundle whose position it has not acknowledged (the bundle
    may have been lost). Each is recorded as sent at the range's end."""
    acks = await acknowledged(uow, peer_id)
    out: dict[str, bundle.ObjectFile] = {}
    for change in found:
        if change["type"] != "digital_object":
            continue
        row = change["rows"]["digital_object"][0]
        sha, storage_key = row["sha256"], row["storage_key"]
        if row["state"] != ObjectState.AVAILABLE.value or sha in out:
            continue
        sent = await uow.session.get(SyncObjectSent, (peer_id, sha))
        if sent is not None:
            known = acks.get(sent.origin_id)
            if known is not None and known.acked >= sent.seq:
                continue

        async def fill(target: Path, storage_key: str = storage_key) -> None:
            await storage.copy_to(storage_key, target)

        out[sha] = bundle.ObjectFile(sha, int(row["size"]), fill)
        origin = uuid.UUID(change["origin"])
        record = sent or SyncObjectSent(peer_id=peer_id, sha256=sha, origin_id=origin, seq=0)
        record.origin_id, record.seq = origin, ranges[change["origin"]][1]
        uow.session.add(record)
    return list(out.values())


async def export(
    identity: Identity,
    peer_id: uuid.UUID,
    target: Path,
    *,
    uow: UnitOfWork,
    key: Ed25519PrivateKey,
    storage: Storage,
) -> Exported:
    """Write the bundle for ``peer_id`` to ``target``; record what was sent.

    Raises ``NotFound`` (unknown peer), ``PermissionDenied`` (not the system identity)."""
    if not identity.system:
        raise PermissionDenied("sync.export")
    self_id = await instance.ensure(uow)
    await peers.get(uow.session, peer_id)
    ranges, found = await collect(uow, self_id, peer_id)
    carried = await objects_to_carry(uow, peer_id, found, ranges, storage)
    header = {
        "bundle_id": str(uuid7()),
        "from": str(self_id),
        "to": str(peer_id),
        "created_at": clock.iso(clock.now()),
        "ranges": ranges,
        "acks": {str(o): s for o, s in (await changes.marks(uow.session)).items()},
    }
    size = await bundle.write(target, header, found, key, carried)
    acks = await acknowledged(uow, peer_id)
    for origin, (_after, upto) in ranges.items():
        row = acks.get(uuid.UUID(origin)) or SyncPeerOrigin(
            peer_id=peer_id, origin_id=uuid.UUID(origin), acked=0, sent=0
        )
        row.sent = max(row.sent, upto)
        uow.session.add(row)
    bundle_id = uuid.UUID(str(header["bundle_id"]))
    uow.session.add(
        SyncBundle(
            bundle_id=bundle_id,
            peer_id=peer_id,
            direction="out",
            outcome="exported",
            changes=len(found),
            size=size,
            at=clock.now(),
        )
    )
    await uow.session.flush()
    return Exported(bundle_id, len(found), size, ranges)
