"""Tables of offline sync: this instance's id, its peers, who is home to which partner,
the positions reached per origin instance, the version each replica holds, and a log of
bundles in and out."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from exchange.db.types import JSONDocument, UTCDateTime
from exchange.ids import uuid7


class SyncSelf(SQLModel, table=True):
    """The one row naming this instance; made on first use (``instance.self_id``)."""

    __tablename__ = "sync_self"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SyncPeer(SQLModel, table=True):
    """A peer instance and the public instance key (a JWK, RFC 8037) its bundles are
    signed with."""

    __tablename__ = "sync_peer"

    id: uuid.UUID = Field(primary_key=True)
    kid: str = Field(max_length=60)
    jwk: dict[str, Any] = Field(sa_column=Column(JSONDocument, nullable=False))
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PartnerHome(SQLModel, table=True):
    """A partner served by a peer instance. A partner without a row is at home here."""

    __tablename__ = "partner_home"

    partner_id: uuid.UUID = Field(primary_key=True)
    instance_id: uuid.UUID = Field(index=True)


class SyncMark(SQLModel, table=True):
    """The high-water mark of one origin instance here: every change of ``origin_id`` up
    to ``seq`` (its audit sequence) has been applied."""

    __tablename__ = "sync_mark"

    origin_id: uuid.UUID = Field(primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger(), nullable=False))


class SyncPeerOrigin(SQLModel, table=True):
    """What a peer acknowledged holding of one origin's changes, and how far we sent."""

    __tablename__ = "sync_peer_origin"

    peer_id: uuid.UUID = Field(primary_key=True)
    origin_id: uuid.UUID = Field(primary_key=True)
    acked: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    sent: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))


class SyncVersion(SQLModel, table=True):
    """The origin and sequence of the replica of one record held here."""

    __tablename__ = "sync_version"

    entity_type: str = Field(max_length=50, primary_key=True)
    entity_id: str = Field(max_length=64, primary_key=True)
    origin_id: uuid.UUID = Field(index=True)
    seq: int = Field(sa_column=Column(BigInteger(), nullable=False, index=True))


class SyncBundle(SQLModel, table=True):
    """One bundle written or read: ``outcome`` is exported, applied, duplicate, waiting
    or refused; ``reason`` says why for the last two."""

    __tablename__ = "sync_bundle"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    bundle_id: uuid.UUID = Field(index=True)
    peer_id: uuid.UUID = Field(index=True)
    direction: str = Field(max_length=3)
    outcome: str = Field(max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    changes: int = 0
    size: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SyncProposal(SQLModel, table=True):
    """An action on a record owned by another instance, sent to its owner. ``kind`` is
    ``claim`` (``quantity`` of an offer line for a request line) or ``receipt`` (the
    shipment's manifest as countersigned by the receiver, in ``document``). Written
    once, by the proposing instance; travels like any record."""

    __tablename__ = "sync_proposal"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    proposer_id: uuid.UUID = Field(index=True)
    owner_id: uuid.UUID = Field(index=True)
    kind: str = Field(default="claim", max_length=10)
    offer_line_id: uuid.UUID | None = None
    request_line_id: uuid.UUID | None = None
    quantity: int = 0
    shipment_id: uuid.UUID | None = None
    document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    actor: str = Field(max_length=320)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SyncAnswer(SQLModel, table=True):
    """The owner's answer to a proposal (same id), written once by the owner."""

    __tablename__ = "sync_answer"

    proposal_id: uuid.UUID = Field(primary_key=True)
    owner_id: uuid.UUID
    proposer_id: uuid.UUID
    accepted: bool
    allocation_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SyncObjectSent(SQLModel, table=True):
    """The bytes of object ``sha256`` went to ``peer_id`` in a bundle whose range of
    ``origin_id`` reached ``seq``: once the peer acknowledges that position it holds them,
    and they are not sent again."""

    __tablename__ = "sync_object_sent"

    peer_id: uuid.UUID = Field(primary_key=True)
    sha256: str = Field(max_length=64, primary_key=True)
    origin_id: uuid.UUID
    seq: int = Field(sa_column=Column(BigInteger(), nullable=False))
