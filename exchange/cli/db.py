from __future__ import annotations

import click

from exchange.cli.output import say
from exchange.cli.runner import settings
from exchange.db import files, migrate
from exchange.signing import instance_key
from exchange.storage import factory


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Apply every migration not yet applied, and make the instance's keys in the data
    directory if they are missing (so that later commands only read it)."""
    s = settings(ctx)
    files.private_directory(s.data_dir)
    migrate.upgrade(s.effective_database_url)
    instance_key.load_or_create(s.instance_key_path)
    if s.storage == "local":
        factory.url_signer(s)
    say("Database is up to date.")
