"""``exchange sync``: bundles carried on a disk between instances, and their state."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from exchange.cli.runner import with_runtime
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.sync import export, inbox, status


@click.group(name="sync")
def sync_group() -> None:
    """Signed, incremental bundles (BagIt, .tar.gz) exchanged with peer instances."""


@sync_group.command(name="export")
@click.option("--peer", "peer_id", type=click.UUID, required=True)
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export_command(ctx: click.Context, peer_id: uuid.UUID, target: Path) -> None:
    """Write every change PEER has not acknowledged and may see to TARGET."""

    async def work(runtime: Runtime) -> export.Exported:
        async with runtime.db.unit_of_work() as uow:
            return await export.export(
                SYSTEM,
                peer_id,
                target,
                uow=uow,
                key=runtime.instance_key,
                storage=runtime.storage,
            )

    done = with_runtime(ctx, work)
    click.echo(f"bundle {done.bundle_id}: {done.changes} changes, {done.size} bytes")


@sync_group.command(name="import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, source: Path) -> None:
    """Verify SOURCE against its sender's registered key and apply it whole, or refuse it
    (exit 5, with the reason). A bundle after a gap is kept and applied once the gap is
    filled; waiting bundles are retried after every import."""

    async def work(runtime: Runtime) -> list[str]:
        return await inbox.receive(runtime, source)

    for line in with_runtime(ctx, work):
        click.echo(line)


@sync_group.command(name="status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Per peer and origin: held here, sent, acknowledged, pending; refused bundles."""

    async def work(runtime: Runtime) -> list[status.PeerState]:
        async with runtime.db.read() as session:
            return await status.peer_states(SYSTEM, session=session)

    for state in with_runtime(ctx, work):
        click.echo(f"peer {state.peer_id}")
        for o in state.origins:
            click.echo(
                f"  origin {o.origin}: held {o.held} sent {o.sent} acked {o.acked} "
                f"pending {o.pending}"
            )
        for label, entry in (("last in", state.last_in), ("last out", state.last_out)):
            if entry is not None:
                click.echo(f"  {label}: {entry.bundle_id} {entry.outcome} {entry.changes} changes")
        for entry in state.refused:
            click.echo(f"  refused {entry.bundle_id}: {entry.reason}")
