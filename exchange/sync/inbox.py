"""Receiving bundles, for the adapters (``sync import`` and the HTTP transfer): prove and
apply one bundle in its own unit of work, log a refusal or a wait in another, keep a
bundle that waits for a gap, and retry the kept ones after each import.

Unlike a service this opens (and so commits) its units of work: a refusal must be logged
even though the transaction that tried the bundle was rolled back.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from anyio import to_thread

from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.sync import bundle, importer, peers
from exchange.sync.errors import BundleRefused, BundleWaiting

NIL = uuid.UUID(int=0)


def waiting_dir(runtime: Runtime) -> Path:
    return runtime.settings.data_dir / "sync" / "waiting"


async def receive_one(runtime: Runtime, source: Path) -> importer.Applied:
    """Prove and apply one bundle; a refusal or a wait is logged, then raised."""
    async with runtime.db.read() as session:
        registered = {
            str(p.id): (p.kid, peers.public_key(p.jwk)) for p in await peers.list_rows(session)
        }

    def key_for(sender: str) -> Any:
        if sender not in registered:
            raise BundleRefused(f"sender {sender} is not a registered peer")
        return registered[sender]

    header: dict[str, Any] = {}
    size = (await to_thread.run_sync(source.stat)).st_size
    try:
        with tempfile.TemporaryDirectory(prefix="bundle-in-") as scratch:
            opened = await bundle.read(source, key_for, Path(scratch))
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


def describe(done: importer.Applied) -> str:
    if done.duplicate:
        return f"bundle {done.bundle_id} from {done.sender}: already held"
    return f"bundle {done.bundle_id} from {done.sender}: applied {done.applied} changes"


async def receive(runtime: Runtime, source: Path) -> list[str]:
    """Import ``source`` (kept in the waiting folder when it follows a gap, and
    ``BundleWaiting`` raised), then every waiting bundle that now applies; a line per
    bundle applied. ``BundleRefused`` when ``source`` is refused."""
    waiting = waiting_dir(runtime)
    try:
        done = await receive_one(runtime, source)
    except BundleWaiting:
        await to_thread.run_sync(lambda: waiting.mkdir(parents=True, exist_ok=True))
        await to_thread.run_sync(shutil.copyfile, source, waiting / source.name)
        raise
    lines = [describe(done)]
    progress = True
    while progress:
        progress = False
        held_files = await to_thread.run_sync(
            lambda: sorted(waiting.glob("*")) if waiting.exists() else []
        )
        for held in held_files:
            try:
                lines.append(f"waiting {held.name}: " + describe(await receive_one(runtime, held)))
            except BundleWaiting:
                continue
            except BundleRefused as error:
                lines.append(f"waiting {held.name}: {error.message}")
            await to_thread.run_sync(held.unlink)
            progress = True
    return lines
