from __future__ import annotations

from pathlib import Path

import click

from exchange.api.schema import build
from exchange.cli.output import say
from exchange.cli.runner import settings

DEFAULT = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


@click.group()
def schema() -> None:
    """The GraphQL schema."""


@schema.command()
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT)
@click.pass_context
def export(ctx: click.Context, output: Path) -> None:
    """Write the schema's SDL (default: graphql/schema.graphql)."""
    output.write_text(build(settings(ctx)).as_str() + "\n", encoding="utf-8")
    say(f"wrote {output}")
