from __future__ import annotations

import click

from exchange.cli.output import say
from exchange.cli.runner import settings
from exchange.db import migrate


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Apply every migration not yet applied."""
    s = settings(ctx)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(s.effective_database_url)
    say("database is up to date")
