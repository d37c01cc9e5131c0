"""Per peer: how far each origin was sent and acknowledged, what is pending, the last
bundles in and out, and refused bundles with their reasons."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.db.table import table
from exchange.errors import PermissionDenied
from exchange.identity.identity import Identity, Role
from exchange.sync import changes, instance
from exchange.sync.models import (
    SyncAnswer,
    SyncBundle,
    SyncPeer,
    SyncPeerOrigin,
    SyncProposal,
)


@dataclass(frozen=True, slots=True)
class OriginState:
    origin: uuid.UUID
    held: int  # this instance's position in the origin
    sent: int
    acked: int
    pending: int  # records changed in (acked, held] (before scope is applied)


@dataclass(frozen=True, slots=True)
class BundleEntry:
    bundle_id: uuid.UUID
    direction: str
    outcome: str
    reason: str | None
    changes: int
    size: int
    at: datetime


@dataclass(frozen=True, slots=True)
class PeerState:
    peer_id: uuid.UUID
    origins: list[OriginState]
    last_in: BundleEntry | None
    last_out: BundleEntry | None
    refused: list[BundleEntry]
    pending_proposals: int  # proposals sent to the peer (as owner) still unanswered


async def _unanswered(session: AsyncSession, owner: uuid.UUID) -> int:
    proposals, answers = table(SyncProposal), table(SyncAnswer)
    statement = (
        sa.select(sa.func.count())
        .select_from(proposals)
        .outerjoin(answers, answers.c.proposal_id == proposals.c.id)
        .where(proposals.c.owner_id == owner, answers.c.proposal_id.is_(None))
    )
    return int((await session.execute(statement)).scalar() or 0)


def _entry(row: SyncBundle) -> BundleEntry:
    return BundleEntry(
        row.bundle_id, row.direction, row.outcome, row.reason, row.changes, row.size, row.at
    )


async def peer_states(identity: Identity, *, session: AsyncSession) -> list[PeerState]:
    """Raises ``PermissionDenied`` unless the system identity or an admin asks."""
    if not identity.has_role(Role.ADMIN):
        raise PermissionDenied("sync.status")
    self_id = await instance.current(session)
    held = dict(await changes.marks(session))
    if self_id is not None:
        held[self_id] = await changes.head(session)
    out: list[PeerState] = []
    for peer in (await session.exec(select(SyncPeer).order_by(col(SyncPeer.id)))).all():
        rows = await session.exec(
            select(SyncPeerOrigin).where(col(SyncPeerOrigin.peer_id) == peer.id)
        )
        known = {r.origin_id: r for r in rows.all()}
        origins = []
        for o, h in sorted(held.items()):
            if o == peer.id:
                continue
            acked = known[o].acked if o in known else 0
            read = changes.local if o == self_id else changes.relayed
            pending = len(await read(session, o, acked, h)) if h > acked else 0
            origins.append(OriginState(o, h, known[o].sent if o in known else 0, acked, pending))
        bundles = (
            await session.exec(
                select(SyncBundle)
                .where(col(SyncBundle.peer_id) == peer.id)
                .order_by(col(SyncBundle.id).desc())
            )
        ).all()
        last_in = next((b for b in bundles if b.direction == "in" and b.outcome != "refused"), None)
        last_out = next((b for b in bundles if b.direction == "out"), None)
        out.append(
            PeerState(
                peer.id,
                origins,
                _entry(last_in) if last_in else None,
                _entry(last_out) if last_out else None,
                [_entry(b) for b in bundles if b.outcome == "refused"],
                await _unanswered(session, peer.id),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ProposalEntry:
    """A proposal made here or received, with the owner's answer when there is one."""

    proposal_id: uuid.UUID
    kind: str
    proposer: uuid.UUID
    owner: uuid.UUID
    created_at: datetime
    accepted: bool | None  # None: awaiting the owner
    reason: str | None
    allocation_id: uuid.UUID | None


async def proposals(identity: Identity, *, session: AsyncSession) -> list[ProposalEntry]:
    """Every proposal held here, oldest first. Raises ``PermissionDenied`` unless the system
    identity or an admin asks."""
    if not identity.has_role(Role.ADMIN):
        raise PermissionDenied("sync.status")
    rows = await session.exec(
        select(SyncProposal, SyncAnswer)
        .join(SyncAnswer, col(SyncAnswer.proposal_id) == col(SyncProposal.id), isouter=True)
        .order_by(col(SyncProposal.id))
    )
    return [
        ProposalEntry(
            p.id,
            p.kind,
            p.proposer_id,
            p.owner_id,
            p.created_at,
            a.accepted if a else None,
            a.reason if a else None,
            a.allocation_id if a else None,
        )
        for p, a in rows.all()
    ]
