from __future__ import annotations

import dataclasses

import click
import uvicorn

from exchange.app import create_app
from exchange.cli.output import say
from exchange.cli.runner import settings
from exchange.db import files, migrate, readiness


@click.command()
@click.option("--host", default=None, help="Listen address (default EXCHANGE_HOST or 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port (default EXCHANGE_PORT or 8000).",
)
@click.option(
    "--demo", "with_demo", is_flag=True, help="Load the demo data first, as `exchange demo`."
)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, with_demo: bool) -> None:
    """Migrate the database, then serve the web pages and GraphQL."""
    s = settings(ctx)
    files.private_directory(s.data_dir)
    if not readiness.is_current(s.effective_database_url):  # else Alembic is not imported
        migrate.upgrade(s.effective_database_url)
    if with_demo:  # in this process: a restart costs one interpreter start, not three
        from exchange.cli.demo import load_and_print  # the demo loader only when asked for

        load_and_print(ctx)
    host, port = host or s.host, port or s.port
    if s.public_url == f"http://{s.host}:{s.port}":  # not configured: follows --host/--port
        s = dataclasses.replace(s, host=host, port=port, public_url="")
    say(f"Scholarly Exchange on http://{host}:{port}/  (GraphQL: http://{host}:{port}/graphql)")
    uvicorn.run(create_app(s), host=host, port=port, log_level=s.log_level.lower())
