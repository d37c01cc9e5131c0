"""``exchange``: serve, migrate, load demo data, issue tokens, check the audit trail."""

from __future__ import annotations

import click

from exchange import collector
from exchange.cli.account import account
from exchange.cli.audit import audit
from exchange.cli.catalogue import catalogue_group
from exchange.cli.db import db
from exchange.cli.demo import demo
from exchange.cli.fixity import fixity
from exchange.cli.inputs import guard
from exchange.cli.keys import keys_group
from exchange.cli.manifest import manifest_group
from exchange.cli.objects import objects
from exchange.cli.peers import peers_group
from exchange.cli.report import report
from exchange.cli.schema import schema
from exchange.cli.serve import serve
from exchange.cli.shipments import shipment_group
from exchange.cli.sync import sync_group
from exchange.cli.token import token
from exchange.errors import ValidationFailed
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
for command in (peers_group, sync_group):
    cli.add_command(command)
guard(cli)  # every text option passes the domain's text rule


def main() -> None:
    collector.tune()
    cli(auto_envvar_prefix=None)
