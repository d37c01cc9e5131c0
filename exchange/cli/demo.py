from __future__ import annotations

import os

import click

from exchange.cli.runner import settings, with_runtime
from exchange.db import files, migrate
from exchange.demo import loader


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Load demo partners and people (once) and print fresh demo tokens."""
    s = settings(ctx)
    files.private_directory(s.data_dir)
    migrate.upgrade(s.effective_database_url)
    created, logins = with_runtime(ctx, loader.load)
    credentials = s.data_dir / "demo-credentials.txt"
    if created:
        lines = [f"{login.email}\t{login.password}\n" for login in logins]
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data was already loaded; fresh tokens below.")
    click.echo(f"Demo passwords are in {credentials}\n")
    click.echo(f"{'e-mail':36} {'role':12} {'partner':11} token")
    for login in logins:
        click.echo(f"{login.email:36} {login.role:12} {login.partner:11} {login.token}")
