"""work.title_hash: the indexed key of a work's first title, for imports' same-work check

A record without identifiers is the same work as one of its partner's works with the same
first title, kind, language and year. That check compared titles row by row (through the
year index: thousands of rows per record in a large catalogue, half of an import's time);
``title_hash`` (see ``exchange.catalogue.search.title_key``) with its partner is indexed.
Existing works get theirs computed here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from exchange.catalogue.search import title_key

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title_hash", sa.String(length=32), nullable=False, server_default="")
        )
    work = sa.table(
        "work",
        sa.column("id", sa.Uuid()),
        sa.column("titles", sa.JSON()),
        sa.column("title_hash", sa.String()),
    )
    connection = op.get_bind()
    update = (
        sa.update(work)
        .where(work.c.id == sa.bindparam("work_id"))
        .values(title_hash=sa.bindparam("hash"))
    )
    after = None
    while True:
        page = sa.select(work.c.id, work.c.titles).order_by(work.c.id).limit(BATCH)
        if after is not None:
            page = page.where(work.c.id > after)
        rows = connection.execute(page).all()
        if not rows:
            break
        connection.execute(
            update,
            [
                {"work_id": work_id, "hash": title_key(titles[0]["value"] if titles else "")}
                for work_id, titles in rows
            ],
        )
        after = rows[-1][0]
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_partner_title", ["created_by_partner_id", "title_hash"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.drop_index("ix_work_partner_title")
        batch_op.drop_column("title_hash")
