"""offline sync: instance id, peers, partner homes, positions, replica versions, bundle log

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import exchange.db.types

revision: str = "0018"
down_revision: str | tuple[str, ...] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    when = exchange.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "sync_self",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_peer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kid", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("jwk", _JSON, nullable=False),
        sa.Column("added_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "partner_home",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id"),
    )
    op.create_index("ix_partner_home_instance_id", "partner_home", ["instance_id"])
    op.create_table(
        "sync_mark",
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("origin_id"),
    )
    op.create_table(
        "sync_peer_origin",
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.Column("acked", sa.BigInteger(), nullable=False),
        sa.Column("sent", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("peer_id", "origin_id"),
    )
    op.create_table(
        "sync_version",
        sa.Column("entity_type", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "entity_id"),
    )
    op.create_index("ix_sync_version_origin_id", "sync_version", ["origin_id"])
    op.create_index("ix_sync_version_seq", "sync_version", ["seq"])
    op.create_table(
        "sync_bundle",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_bundle_bundle_id", "sync_bundle", ["bundle_id"])
    op.create_index("ix_sync_bundle_peer_id", "sync_bundle", ["peer_id"])
    op.create_table(
        "sync_proposal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposer_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("offer_line_id", sa.Uuid(), nullable=True),
        sa.Column("request_line_id", sa.Uuid(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=True),
        sa.Column("document", _JSON, nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_proposal_proposer_id", "sync_proposal", ["proposer_id"])
    op.create_index("ix_sync_proposal_owner_id", "sync_proposal", ["owner_id"])
    op.create_table(
        "sync_answer",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("proposer_id", sa.Uuid(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("allocation_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", when, nullable=False),
        sa.PrimaryKeyConstraint("proposal_id"),
    )
    op.create_table(
        "sync_object_sent",
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("peer_id", "sha256"),
    )


def downgrade() -> None:
    op.drop_table("sync_object_sent")
    op.drop_table("sync_answer")
    op.drop_table("sync_proposal")
    for name in ("sync_bundle", "sync_version", "sync_peer_origin", "sync_mark"):
        op.drop_table(name)
    op.drop_table("partner_home")
    op.drop_table("sync_peer")
    op.drop_table("sync_self")
