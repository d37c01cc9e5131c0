from __future__ import annotations

import sys
import uuid

import click

from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity import service as identity
from exchange.identity.identity import SYSTEM, Role
from exchange.ids import parse_id
from exchange.runtime import Runtime


@click.group()
def account() -> None:
    """Accounts and their roles."""


@account.command()
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--partner", "partner_id", default=None, help="Partner id to give a role at.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=None)
@click.option("--password-stdin", is_flag=True, help="Read a password from standard input.")
@click.pass_context
def create(
    ctx: click.Context,
    email: str,
    display_name: str,
    partner_id: str | None,
    role: str | None,
    password_stdin: bool,
) -> None:
    """Register an account (as the system, e.g. the first admin)."""
    if (partner_id is None) != (role is None):
        raise click.UsageError("--partner and --role go together")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None

    async def work(runtime: Runtime) -> uuid.UUID:
        async with runtime.db.unit_of_work() as uow:
            row = await identity.create_account(
                SYSTEM,
                identity.AccountDraft(email, display_name, password),
                uow=uow,
                policy=runtime.policy,
            )
            if partner_id is not None and role is not None:
                await identity.add_membership(
                    SYSTEM,
                    row.id,
                    parse_id(partner_id, "partner"),
                    Role(role),
                    uow=uow,
                    policy=runtime.policy,
                )
        return row.id

    say(str(with_runtime(ctx, work)))
