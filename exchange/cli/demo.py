from __future__ import annotations

import os

import click

from exchange.cli.output import say, say_block
from exchange.cli.runner import settings, with_runtime
from exchange.db import files, migrate
from exchange.demo import loader
from exchange.runtime import Runtime


@click.command()
@click.option(
    "--tokens",
    "fresh_tokens",
    is_flag=True,
    help="Print fresh demo tokens, revoking the demo tokens printed before.",
)
@click.pass_context
def demo(ctx: click.Context, fresh_tokens: bool) -> None:
    """Load demo partners and people (once; their tokens are printed then) and migrate the
    database first. Run again, it changes nothing unless --tokens is given."""
    s = settings(ctx)
    files.private_directory(s.data_dir)
    migrate.upgrade(s.effective_database_url)
    load_and_print(ctx, fresh_tokens=fresh_tokens)


def load_and_print(ctx: click.Context, *, fresh_tokens: bool = False) -> None:
    """Load the demo data into the migrated database unless it is there; print the tokens
    minted (at the first load, or with ``fresh_tokens``)."""
    s = settings(ctx)

    notes: list[str] = []

    async def work(runtime: Runtime) -> tuple[bool, list[loader.DemoLogin]]:
        return await loader.load(runtime, fresh_tokens=fresh_tokens, notes=notes)

    created, logins = with_runtime(ctx, work)
    for note in notes:
        say(f"note: {note}")
    credentials = s.data_dir / "demo-credentials.txt"
    if created:
        lines = [f"{login.email}\t{login.password}\n" for login in logins]
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
        say("Demo data loaded.")
    elif not logins:
        say(
            "Demo data was already loaded; its tokens were printed then. "
            "`exchange demo --tokens` prints fresh ones (and revokes those)."
        )
        return
    else:
        say("Fresh demo tokens below; the demo tokens printed before are revoked.")
    say_block(f"Demo passwords are in {credentials}\n")
    say(f"{'e-mail':36} {'role':12} {'partner':11} token")
    for login in logins:
        say(f"{login.email:36} {login.role:12} {login.partner:11} {login.token}")
