"""``exchange sync``: bundles carried on a disk between instances, and their state."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import click
import httpx

from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.sync import export, inbox, instance, link, status
from exchange.sync.errors import BundleRefused


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
    say(f"bundle {done.bundle_id}: {done.changes} changes, {done.size} bytes")


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
        say(line)


@sync_group.command(name="status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Per peer and origin: held here, sent, acknowledged, pending; refused bundles."""

    async def work(runtime: Runtime) -> list[status.PeerState]:
        async with runtime.db.read() as session:
            return await status.peer_states(SYSTEM, session=session)

    states = with_runtime(ctx, work)
    if not states:
        say("No peers yet: register one with `exchange peers add` (see its --help).")
    for state in states:
        say(f"peer {state.peer_id}")
        for o in state.origins:
            say(
                f"  origin {o.origin}: held {o.held} sent {o.sent} acked {o.acked} "
                f"pending {o.pending}"
            )
        for label, entry in (("last in", state.last_in), ("last out", state.last_out)):
            if entry is not None:
                say(f"  {label}: {entry.bundle_id} {entry.outcome} {entry.changes} changes")
        for entry in state.refused:
            say(f"  refused {entry.bundle_id}: {entry.reason}")


@sync_group.command(name="proposals")
@click.pass_context
def proposals_command(ctx: click.Context) -> None:
    """One line per proposal held here: id, kind, proposer -> owner, and the answer
    (``awaiting``, ``accepted [allocation]`` or ``refused: reason``)."""

    async def work(runtime: Runtime) -> list[status.ProposalEntry]:
        async with runtime.db.read() as session:
            return await status.proposals(SYSTEM, session=session)

    for entry in with_runtime(ctx, work):
        if entry.accepted is None:
            answer = "awaiting"
        elif entry.accepted:
            answer = "accepted" + (
                f"\tallocation {entry.allocation_id}" if entry.allocation_id else ""
            )
        else:
            answer = f"refused: {entry.reason}"
        say(f"{entry.proposal_id}\t{entry.kind}\t{entry.proposer} -> {entry.owner}\t{answer}")


def _link_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option("--peer", "peer_id", type=click.UUID, required=True)(command)
    command = click.option("--url", required=True, help="The peer's base URL.")(command)
    command = click.option("--chunk-kib", type=click.IntRange(1), default=256)(command)
    return click.option(
        "--rate-kib", type=click.IntRange(0), default=0, help="KiB/s cap (0: none)."
    )(command)


async def _link(
    runtime: Runtime, url: str, client: httpx.AsyncClient, chunk: int, rate: int
) -> link.Link:
    async with runtime.db.unit_of_work() as uow:
        self_id = await instance.ensure(uow)
    return link.Link(client, url, self_id, runtime.instance_key, chunk * 1024, rate * 1024)


@sync_group.command(name="push")
@_link_options
@click.pass_context
def push_command(
    ctx: click.Context, peer_id: uuid.UUID, url: str, chunk_kib: int, rate_kib: int
) -> None:
    """Export the bundle for PEER and send it over HTTP in resumable chunks."""

    async def work(runtime: Runtime) -> str:
        folder = runtime.settings.data_dir / "sync" / "outgoing"
        target = folder / f"{uuid.uuid4().hex}.tar.gz"
        async with runtime.db.unit_of_work() as uow:
            await export.export(
                SYSTEM,
                peer_id,
                target,
                uow=uow,
                key=runtime.instance_key,
                storage=runtime.storage,
            )
        async with httpx.AsyncClient(timeout=60) as client:
            response = await link.push(
                await _link(runtime, url, client, chunk_kib, rate_kib), target
            )
        if response.status_code >= 400:
            raise BundleRefused(response.json().get("reason", response.text))
        return json.dumps(response.json())

    say(with_runtime(ctx, work))


@sync_group.command(name="pull")
@_link_options
@click.pass_context
def pull_command(
    ctx: click.Context, peer_id: uuid.UUID, url: str, chunk_kib: int, rate_kib: int
) -> None:
    """Fetch the bundle PEER has for this instance (resuming a partial download) and
    import it."""

    async def work(runtime: Runtime) -> list[str]:
        folder = runtime.settings.data_dir / "sync" / "incoming" / str(peer_id)
        async with httpx.AsyncClient(timeout=60) as client:
            done = await link.pull(await _link(runtime, url, client, chunk_kib, rate_kib), folder)
        return await inbox.receive(runtime, done)

    for line in with_runtime(ctx, work):
        say(line)
