"""offer_line_issue: the journal issues a journal offer line offers

A line of a journal work may name which of the work's issues it offers (none named: the
line does not say). One row per (line, issue).

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-30 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer_line_issue",
        sa.Column("offer_line_id", sa.Uuid(), nullable=False),
        sa.Column("journal_issue_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["journal_issue_id"], ["journal_issue.id"]),
        sa.ForeignKeyConstraint(["offer_line_id"], ["offer_line.id"]),
        sa.PrimaryKeyConstraint("offer_line_id", "journal_issue_id"),
    )
    with op.batch_alter_table("offer_line_issue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_line_issue_journal_issue_id"), ["journal_issue_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("offer_line_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_line_issue_journal_issue_id"))
    op.drop_table("offer_line_issue")
