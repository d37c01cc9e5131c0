from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from exchange.db.types import UTCDateTime
from exchange.ids import uuid7


class Account(SQLModel, table=True):
    __tablename__ = "account"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Set by an admin: the account cannot sign in, and its sessions and tokens are refused,
    # until an admin enables it again (exchange.identity.directory.set_disabled).
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("account_id", "partner_id", "role"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="account.id", index=True)
    partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    role: str = Field(max_length=20)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Token(SQLModel, table=True):
    """An API token. Only the SHA-256 of the secret is stored, and its first characters."""

    __tablename__ = "token"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="account.id", index=True)
    secret_hash: str = Field(max_length=64, unique=True)
    # The secret's first characters (``sx_`` and 5 random ones), shown to tell tokens apart.
    secret_prefix: str = Field(
        default="", sa_column=Column(String(12), nullable=False, server_default="")
    )
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class WebSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of the cookie's secret is stored; the session
    ends when idle past its idle lifetime, at ``expires_at``, or when revoked (sign-out)."""

    __tablename__ = "web_session"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="account.id", index=True)
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
