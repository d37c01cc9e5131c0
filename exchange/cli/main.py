"""``exchange``: serve, migrate, load demo data, issue tokens, check the audit trail."""

from __future__ import annotations

import click

from exchange import collector
from exchange.cli.account import account
from exchange.cli.audit import audit
from exchange.cli.catalogue import catalogue_group
from exchange.cli.db import db
from exchange.cli.demo import demo
from exchange.cli.exit_codes import BAD_INPUT
from exchange.cli.fixity import fixity
from exchange.cli.inputs import guard
from exchange.cli.keys import keys_group
from exchange.cli.manifest import manifest_group
from exchange.cli.objects import objects
from exchange.cli.output import say
from exchange.cli.partner import partner_group
from exchange.cli.peers import peers_group
from exchange.cli.report import report
from exchange.cli.runner import fail
from exchange.cli.schema import schema
from exchange.cli.serve import serve
from exchange.cli.shipment_flow import shipment_group  # with its create|act|receive|show
from exchange.cli.sync import sync_group
from exchange.cli.token import token
from exchange.cli.trade import allocation_group, offer_group, request_group, work_group
from exchange.errors import ExchangeError, ValidationFailed
from exchange.settings import Settings


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Scholarly Exchange. Settings come from EXCHANGE_* environment variables."""
    try:
        ctx.obj = Settings.from_environ()
    except ValidationFailed as error:
        raise click.UsageError(error.message) from None


for command in (serve, db, demo, token, account, audit, schema, keys_group, manifest_group):
    cli.add_command(command)
for command in (objects, fixity, report, catalogue_group, shipment_group):
    cli.add_command(command)
for command in (peers_group, sync_group, partner_group):
    cli.add_command(command)
for command in (work_group, offer_group, request_group, allocation_group):
    cli.add_command(command)
guard(cli)  # every text option passes the domain's text rule


def main() -> None:
    """Run the command; an expected failure that escaped it is one line and its code from
    the table (``exit_codes``), a file that cannot be read or written is bad input (2)."""
    collector.tune()
    try:
        cli(auto_envvar_prefix=None)
    except ExchangeError as error:
        raise fail(error) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or error}", err=True)
        raise SystemExit(BAD_INPUT) from None
