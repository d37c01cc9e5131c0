"""partner.search_text folded as the catalogue folds (diacritics and Unicode form too)

The directory's search matched case-folded names only, so "tosogwan" missed "Tosŏgwan"
and Hangul typed as conjoining jamo missed names stored as syllables. Names are now folded
by ``exchange.folding.fold``; existing partners get theirs recomputed here. No column
changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from exchange.partners.validation import search_text

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def _refold(fold: bool) -> None:
    partner = sa.table(
        "partner",
        sa.column("id", sa.Uuid()),
        sa.column("names", sa.JSON()),
        sa.column("search_text", sa.Text()),
    )
    connection = op.get_bind()
    update = (
        sa.update(partner)
        .where(partner.c.id == sa.bindparam("partner_id"))
        .values(search_text=sa.bindparam("text"))
    )
    after = None
    while True:
        page = sa.select(partner.c.id, partner.c.names).order_by(partner.c.id).limit(BATCH)
        if after is not None:
            page = page.where(partner.c.id > after)
        rows = connection.execute(page).all()
        if not rows:
            break
        connection.execute(
            update,
            [
                {
                    "partner_id": partner_id,
                    "text": search_text(names)
                    if fold
                    else "\n".join(n["value"].casefold() for n in names),
                }
                for partner_id, names in rows
            ],
        )
        after = rows[-1][0]


def upgrade() -> None:
    _refold(True)


def downgrade() -> None:
    _refold(False)  # back to the case-folded names of 0008
