"""``exchange peers``: this instance's id, and the peer instances it exchanges bundles with."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import click

from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.signing.instance_key import instance_jwk
from exchange.sync import instance, peers


@click.group(name="peers")
def peers_group() -> None:
    """Peer instances (offline partners' own instances, or the hub)."""


@peers_group.command(name="self")
@click.option("--jwks", "jwks_out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def whoami(ctx: click.Context, jwks_out: Path | None) -> None:
    """Print this instance's id (made on first use); --jwks writes its instance key."""

    async def work(runtime: Runtime) -> tuple[uuid.UUID, dict[str, str]]:
        async with runtime.db.unit_of_work() as uow:
            ident = await instance.ensure(uow)
        return ident, instance_jwk(runtime.instance_key.public_key())

    ident, jwk = with_runtime(ctx, work)
    if jwks_out is not None:
        jwks_out.write_text(json.dumps({"keys": [jwk]}, indent=2) + "\n", "utf-8")
    say(str(ident))


@peers_group.command(name="add")
@click.option("--id", "peer_id", type=click.UUID, required=True, help="The peer's instance id.")
@click.option(
    "--jwks",
    "jwks_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The peer's JWKS (its instance key, kid instance:...).",
)
@click.option("--serves", type=click.UUID, multiple=True, help="A partner the peer is home to.")
@click.pass_context
def add(
    ctx: click.Context, peer_id: uuid.UUID, jwks_file: Path, serves: tuple[uuid.UUID, ...]
) -> None:
    """Register a peer instance (again: replace its key, add partners it serves)."""
    try:
        document: Any = json.loads(jwks_file.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise click.UsageError(f"{jwks_file} is not JSON") from None

    async def work(runtime: Runtime) -> peers.PeerView:
        async with runtime.db.unit_of_work() as uow:
            return await peers.add(SYSTEM, peer_id, document, list(serves), uow=uow)

    view = with_runtime(ctx, work)
    say(f"peer {view.id} key {view.kid} serves {len(view.serves)} partners")


@peers_group.command(name="list")
@click.pass_context
def list_peers(ctx: click.Context) -> None:
    """One line per peer: id, key id, partners served."""

    async def work(runtime: Runtime) -> list[peers.PeerView]:
        async with runtime.db.read() as session:
            return await peers.list_all(SYSTEM, session=session)

    for view in with_runtime(ctx, work):
        served = ",".join(str(p) for p in view.serves) or "-"
        say(f"{view.id}\t{view.kid}\t{served}")
