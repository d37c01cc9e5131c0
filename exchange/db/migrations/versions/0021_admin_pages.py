"""token.secret_prefix and account.disabled_at (the admin pages)

token.secret_prefix: the first characters of a token's secret, to tell tokens apart.

A token's secret is stored only as its SHA-256; the admin pages list an account's tokens
by the secret's first 8 characters (``sx_`` and 5 of its 43 random ones: 30 of 256 bits),
as the holder sees them at the start of the token. Tokens issued before this have none.

account.disabled_at: when an admin disabled the account (null: enabled).

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-30 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from exchange.db.types import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("secret_prefix", sa.String(length=12), nullable=False, server_default="")
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops a column in place, where a batch would copy
    # the table, which tables referencing accounts and tokens forbid.
    op.drop_column("account", "disabled_at")
    op.drop_column("token", "secret_prefix")
