"""Offline sync state, per peer instance (admins): last bundles in and out, what is
pending, refused bundles with their reasons."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.api.context import Info
from exchange.api.errors import query_error
from exchange.errors import ExchangeError
from exchange.sync import proposals, status


@strawberry.type(
    description="The record is owned by another instance: the action travels to that "
    "instance as a proposal in the next bundle, and takes effect when the owner accepts it."
)
class Proposed:
    proposal_id: strawberry.ID
    kind: str = strawberry.field(description="claim or receipt")
    owner_instance: strawberry.ID
    message: str = strawberry.field(description="proposed, awaiting instance <owner>")

    @classmethod
    def from_model(cls, claimed: proposals.Claimed, kind: str) -> Proposed:
        return cls(
            proposal_id=strawberry.ID(str(claimed.proposal_id)),
            kind=kind,
            owner_instance=strawberry.ID(str(claimed.owner)),
            message=claimed.awaiting,
        )


@strawberry.type
class SyncBundle:
    bundle_id: strawberry.ID
    direction: str = strawberry.field(description="in or out")
    outcome: str = strawberry.field(description="exported, applied, duplicate, waiting or refused")
    reason: str | None
    changes: int
    size: int = strawberry.field(description="bytes")
    at: datetime

    @classmethod
    def from_model(cls, entry: status.BundleEntry) -> SyncBundle:
        return cls(
            bundle_id=strawberry.ID(str(entry.bundle_id)),
            direction=entry.direction,
            outcome=entry.outcome,
            reason=entry.reason,
            changes=entry.changes,
            size=entry.size,
            at=entry.at,
        )


@strawberry.type
class SyncOrigin:
    origin_id: strawberry.ID
    held: int = strawberry.field(description="this instance's position in the origin's log")
    sent: int
    acknowledged: int
    pending: int = strawberry.field(description="records changed since the acknowledgement")


@strawberry.type
class SyncPeerState:
    peer_id: strawberry.ID
    origins: list[SyncOrigin]
    last_bundle_in: SyncBundle | None
    last_bundle_out: SyncBundle | None
    pending_proposals: int
    refused_bundles: list[SyncBundle]

    @classmethod
    def from_model(cls, state: status.PeerState) -> SyncPeerState:
        return cls(
            peer_id=strawberry.ID(str(state.peer_id)),
            origins=[
                SyncOrigin(
                    origin_id=strawberry.ID(str(o.origin)),
                    held=o.held,
                    sent=o.sent,
                    acknowledged=o.acked,
                    pending=o.pending,
                )
                for o in state.origins
            ],
            last_bundle_in=SyncBundle.from_model(state.last_in) if state.last_in else None,
            last_bundle_out=SyncBundle.from_model(state.last_out) if state.last_out else None,
            pending_proposals=state.pending_proposals,
            refused_bundles=[SyncBundle.from_model(b) for b in state.refused],
        )


@strawberry.type
class SyncQuery:
    @strawberry.field(description="Sync state per peer instance (admins).")
    async def sync_peers(self, info: Info) -> list[SyncPeerState]:
        ctx = info.context
        try:
            async with ctx.reads.session() as session:
                states = await status.peer_states(ctx.identity, session=session)
        except ExchangeError as error:
            raise query_error(error) from error
        return [SyncPeerState.from_model(s) for s in states]
