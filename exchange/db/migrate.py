"""Alembic, driven from code: migrations are the only way the schema is created.

Alembic is imported when a function here is called, not with this module: ``serve`` and
the other commands check the revision without it (``readiness``; issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Objects named ``fts_*`` (full-text tables, columns and indexes) are written by hand
    in the migrations, per dialect: autogenerate and the model check leave them alone."""
    return not (name or "").startswith("fts_")


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (blocking: call it off the event loop)."""
    from alembic import command

    command.upgrade(config(url), revision)
