from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from exchange.db.types import JSONDocument, UTCDateTime


class AuditEvent(SQLModel, table=True):
    """One link of the chain. ``seq`` is the primary key, so two writers can never
    both append the same position: the chain cannot fork even if the lock failed."""

    __tablename__ = "audit_event"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    id: uuid.UUID = Field(unique=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=320)
    action: str = Field(max_length=100)
    entity_type: str = Field(max_length=50)
    entity_id: str = Field(max_length=64, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditPending(SQLModel, table=True):
    """A committed change not yet linked into the chain (PostgreSQL only): written inside
    the change's own transaction, moved into ``audit_event`` by the linker right after
    commit (``exchange.audit.linker``). Ordered by ``id`` (UUIDv7, the time recorded)."""

    __tablename__ = "audit_pending"

    id: uuid.UUID = Field(primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=320)
    action: str = Field(max_length=100)
    entity_type: str = Field(max_length=50)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
