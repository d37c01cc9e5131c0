"""web sessions: signed-in browsers of the pages, secrets stored hashed

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import exchange.db.types

revision: str = "0017"
down_revision: str | tuple[str, ...] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", exchange.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", exchange.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", exchange.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", exchange.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_account_id"))
    op.drop_table("web_session")
