"""``exchange sync``: bundles carried on a disk between instances, and their state."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import anyio.to_thread
import click

from exchange.cli.runner import settings, with_runtime
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.sync import bundle, export, importer, peers, status
from exchange.sync.errors import BundleRefused, BundleWaiting

NIL = uuid.UUID(int=0)


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


def waiting_dir(ctx: click.Context) -> Path:
    return settings(ctx).data_dir / "sync" / "waiting"


async def receive(runtime: Runtime, source: Path) -> importer.Applied:
    """Prove and apply one bundle; a refusal or a wait is logged, then raised."""
    async with runtime.db.read() as session:
        registered = {
            str(p.id): (p.kid, peers.public_key(p.jwk)) for p in await peers.list_rows(session)
        }

    def key_for(sender: str) -> tuple[str, object]:
        if sender not in registered:
            raise BundleRefused(f"sender {sender} is not a registered peer")
        return registered[sender]

    header: dict[str, object] = {}
    size = (await anyio.to_thread.run_sync(source.stat)).st_size
    try:
        with tempfile.TemporaryDirectory(prefix="bundle-in-") as scratch:
            opened = await bundle.read(source, key_for, Path(scratch))  # type: ignore[arg-type]
            header = opened.header
            async with runtime.db.unit_of_work() as uow:
                return await importer.apply(
                    SYSTEM, opened, uow=uow, policy=runtime.policy, storage=runtime.storage
                )
    except (BundleRefused, BundleWaiting) as error:
        outcome = "waiting" if isinstance(error, BundleWaiting) else "refused"
        bundle_id = uuid.UUID(str(header.get("bundle_id", NIL)))
        sender = uuid.UUID(str(header.get("from", NIL)))
        async with runtime.db.unit_of_work() as uow:
            await importer.log_refusal(uow, bundle_id, sender, outcome, error.message, size)
        raise


@sync_group.command(name="import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, source: Path) -> None:
    """Verify SOURCE against its sender's registered key and apply it whole, or refuse it
    (exit 5, with the reason). A bundle after a gap is kept and applied once the gap is
    filled; waiting bundles are retried after every import."""
    waiting = waiting_dir(ctx)

    async def work(runtime: Runtime) -> list[str]:
        lines: list[str] = []
        try:
            done = await receive(runtime, source)
        except BundleWaiting:
            waiting.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, waiting / source.name)
            raise
        lines.append(_describe(done))
        progress = True
        while progress:
            progress = False
            for held in sorted(waiting.glob("*")) if waiting.exists() else []:
                try:
                    lines.append(f"waiting {held.name}: " + _describe(await receive(runtime, held)))
                except BundleWaiting:
                    continue
                except BundleRefused as error:
                    lines.append(f"waiting {held.name}: {error.message}")
                held.unlink()
                progress = True
        return lines

    for line in with_runtime(ctx, work):
        click.echo(line)


def _describe(done: importer.Applied) -> str:
    if done.duplicate:
        return f"bundle {done.bundle_id} from {done.sender}: already held"
    return f"bundle {done.bundle_id} from {done.sender}: applied {done.applied} changes"


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
