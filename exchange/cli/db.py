from __future__ import annotations

import click

from exchange.cli.runner import settings
from exchange.db import files, migrate


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Apply every migration not yet applied."""
    s = settings(ctx)
    files.private_directory(s.data_dir)
    migrate.upgrade(s.effective_database_url)
    click.echo("database is up to date")
