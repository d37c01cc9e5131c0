from __future__ import annotations

import click

from exchange import periods
from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity import service as identity
from exchange.identity import tokens
from exchange.runtime import Runtime


@click.group()
def token() -> None:
    """API tokens."""


@token.command()
@click.option("--email", required=True, help="The account's e-mail.")
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Lifetime (default EXCHANGE_TOKEN_TTL_DAYS).",
)
@click.pass_context
def create(ctx: click.Context, email: str, days: int | None) -> None:
    """Print a new bearer token for an account."""

    async def work(runtime: Runtime) -> str:
        ttl = periods.span_of_days(days or runtime.settings.token_ttl_days, "days")
        async with runtime.db.unit_of_work() as uow:
            account = await identity.account_by_email(uow.session, email)
            _token, secret = await tokens.issue_token(account, uow=uow, ttl=ttl, label="cli")
        return secret

    say(with_runtime(ctx, work))
