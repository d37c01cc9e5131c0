"""work_identifier.qualifier: what a cataloguer wrote after an ISBN ("v1", "pbk.")

MARC 21 keeps it in 020 $q (qualifying information); records of the 1990s and earlier
write it in $a after the number ("0192547011 (v1)"). Imports split it off and keep it
here, exports write it back to $q.

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_identifier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qualifier", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work_identifier", schema=None) as batch_op:
        batch_op.drop_column("qualifier")
