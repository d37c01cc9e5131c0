"""``exchange``: serve, migrate, load demo data, issue tokens, check the audit trail."""

from __future__ import annotations

import sys

import click

from exchange import collector
from exchange.cli.group import LazyGroup
from exchange.cli.output import say
from exchange.errors import ExchangeError, ValidationFailed
from exchange.settings import Settings

# name -> where the command lives; its module is imported only when it runs (issue 15).
COMMANDS = {
    "account": "exchange.cli.account:account",
    "allocation": "exchange.cli.trade:allocation_group",
    "audit": "exchange.cli.audit:audit",
    "catalogue": "exchange.cli.catalogue:catalogue_group",
    "db": "exchange.cli.db:db",
    "demo": "exchange.cli.demo:demo",
    "fixity": "exchange.cli.fixity:fixity",
    "keys": "exchange.cli.keys:keys_group",
    "manifest": "exchange.cli.manifest:manifest_group",
    "offer": "exchange.cli.trade:offer_group",
    "objects": "exchange.cli.objects:objects",
    "partner": "exchange.cli.partner:partner_group",
    "peers": "exchange.cli.peers:peers_group",
    "report": "exchange.cli.report:report",
    "request": "exchange.cli.trade:request_group",
    "schema": "exchange.cli.schema:schema",
    "serve": "exchange.cli.serve:serve",
    "shipment": "exchange.cli.shipment_flow:shipment_group",  # with create|act|receive|show
    "sync": "exchange.cli.sync:sync_group",
    "token": "exchange.cli.token:token",
    "work": "exchange.cli.trade:work_group",
}


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Scholarly Exchange. Settings come from EXCHANGE_* environment variables."""
    try:
        ctx.obj = Settings.from_environ()
    except ValidationFailed as error:
        raise click.UsageError(error.message) from None


def main() -> None:
    """Run the command; an expected failure that escaped it is one line and its code from
    the table (``exit_codes``), a file that cannot be read or written is bad input (2)."""
    collector.hold()
    if len(sys.argv) > 1:  # import the command first, so that the collector freezes it too
        assert isinstance(cli, LazyGroup)
        cli.get_command(None, sys.argv[1])
    from exchange.cli.exit_codes import BAD_INPUT
    from exchange.cli.runner import fail

    collector.tune()
    try:
        cli(auto_envvar_prefix=None)
    except ExchangeError as error:
        raise fail(error) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or error}", err=True)
        raise SystemExit(BAD_INPUT) from None
