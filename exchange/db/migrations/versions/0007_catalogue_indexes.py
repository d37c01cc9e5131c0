"""catalogue indexes: work.updated_at (OAI-PMH harvests by date); SQLite's FTS key table

``fts_work_key`` maps a work to the rowid of its ``fts_work`` row, so that re-indexing a
work deletes its old row by rowid instead of scanning the FTS5 table for its ``work_id``
(see exchange/catalogue/search.py). Existing rows keep their rowids: the table is filled
from ``fts_work`` itself. ``fts_work`` is rebuilt with a one-character prefix index, so that
a one-syllable Hangul query (a prefix query on bigrams) reads one index entry instead of
merging every bigram that starts with it. Written by hand, like every ``fts_*`` object.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 15:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_updated_at"), ["updated_at"], unique=False)
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "CREATE TABLE fts_work_key (rowid INTEGER PRIMARY KEY, work_id TEXT NOT NULL UNIQUE)"
        )
        op.execute("INSERT INTO fts_work_key (rowid, work_id) SELECT rowid, work_id FROM fts_work")
        _rebuild_fts(prefix=", prefix = '1'")


def _rebuild_fts(prefix: str) -> None:
    """Recreate ``fts_work`` with other options, keeping every row and its rowid."""
    op.execute(
        "CREATE VIRTUAL TABLE fts_work_new USING fts5("
        f"tokens, work_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'{prefix})"
    )
    op.execute(
        "INSERT INTO fts_work_new (rowid, tokens, work_id) SELECT rowid, tokens, work_id "
        "FROM fts_work"
    )
    op.execute("DROP TABLE fts_work")
    op.execute("ALTER TABLE fts_work_new RENAME TO fts_work")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _rebuild_fts(prefix="")
        op.execute("DROP TABLE IF EXISTS fts_work_key")
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_updated_at"))
