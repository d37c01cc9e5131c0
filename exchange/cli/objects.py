"""``exchange objects``: put a file, get one back, collect orphaned bytes."""

from __future__ import annotations

import hashlib
import mimetypes
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import anyio
import click
from click._termui_impl import ProgressBar

from exchange import text
from exchange.cli.exit_codes import VerificationFailed
from exchange.cli.output import say
from exchange.cli.runner import fail, with_runtime
from exchange.identity.identity import SYSTEM
from exchange.ids import parse_id
from exchange.objects import collection, downloads, uploads
from exchange.objects.sniffing import HEAD_SIZE, sniff
from exchange.runtime import Runtime
from exchange.storage.base import CHUNK_SIZE

ObjectId = click.STRING


@click.group()
def objects() -> None:
    """Digital objects in storage."""


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


async def _chunks(path: Path, bar: ProgressBar[int]) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(CHUNK_SIZE):
            bar.update(len(chunk))
            yield chunk


@objects.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--work", "work_id", default=None, help="Work id to attach to.")
@click.option("--seminar", "seminar_id", default=None, help="Seminar id to attach to.")
@click.option("--partner", "partner_id", required=True, help="Owning partner id.")
@click.option("--licence", default="LicenseRef-All-Rights-Reserved", show_default=True)
@click.option("--required-tag", default=None, help="Partner tag that entitles to download.")
@click.option("--embargo-until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--media-type", default=None, help="Declared type (default: from the name).")
@click.pass_context
def put(
    ctx: click.Context,
    file: Path,
    work_id: str | None,
    seminar_id: str | None,
    partner_id: str,
    licence: str,
    required_tag: str | None,
    embargo_until: datetime | None,
    media_type: str | None,
) -> None:
    """Upload FILE as the system, for --partner, through the start/complete flow."""
    size, sha256 = _file_digest(file)
    with file.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    declared = media_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    attachment = uploads.Attachment(
        None if work_id is None else parse_id(work_id, "work"),
        None if seminar_id is None else parse_id(seminar_id, "seminar"),
    )
    draft = uploads.UploadDraft(
        file.name,
        size,
        sha256,
        declared,
        licence,
        attachment,
        parse_id(partner_id, "partner"),
        required_tag,
        None if embargo_until is None else embargo_until.date(),
    )

    async def work(runtime: Runtime) -> uploads.Completion:
        async with runtime.db.unit_of_work() as uow:
            started = await uploads.start_upload(
                SYSTEM,
                draft,
                uow=uow,
                storage=runtime.storage,
                policy=runtime.policy,
                presign=False,  # the storage API below streams (and parts) by itself
            )
        key = started.object.storage_key
        progress: ProgressBar[int] = click.progressbar(
            length=size, label=text.for_terminal(file.name), file=sys.stderr
        )
        with progress as bar:
            await runtime.storage.put(
                key,
                _chunks(file, bar),
                expected_size=size,
                expected_sha256=sha256,
                media_type=sniff(head),
            )
        return await uploads.complete_upload(
            SYSTEM, started.object.id, db=runtime.db, storage=runtime.storage, policy=runtime.policy
        )

    completion = with_runtime(ctx, work)
    if completion.rejected is not None:
        raise fail(completion.rejected)
    obj = completion.object
    say(f"{obj.id}\t{obj.size}\t{obj.sha256}\t{obj.media_type}")


@objects.command()
@click.argument("object_id", type=ObjectId)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def get(ctx: click.Context, object_id: str, file: Path) -> None:
    """Download object OBJECT_ID into FILE (as the system; recorded as a download)."""
    wanted = parse_id(object_id, "id")

    async def work(runtime: Runtime) -> str:
        async with runtime.db.unit_of_work() as uow:
            grant = await downloads.download(
                SYSTEM, wanted, uow=uow, storage=runtime.storage, policy=runtime.policy
            )
        obj = grant.object
        digest = hashlib.sha256()
        tmp = file.with_name(f".{file.name}.{uuid.uuid4().hex}.part")
        try:
            async with await anyio.open_file(tmp, "wb") as out:
                async for chunk in runtime.storage.open(obj.storage_key):
                    digest.update(chunk)
                    await out.write(chunk)
            if digest.hexdigest() != obj.sha256:
                raise VerificationFailed(f"the stored bytes of object {obj.id} changed")
            tmp.replace(file)
        finally:
            tmp.unlink(missing_ok=True)
        return obj.sha256

    say(with_runtime(ctx, work))


@objects.command()
@click.option("--stale-hours", type=click.IntRange(min=0), default=24, show_default=True)
@click.pass_context
def gc(ctx: click.Context, stale_hours: int) -> None:
    """Delete stored bytes no object owns; abandon stale uploads and multipart uploads."""

    async def work(runtime: Runtime) -> collection.CollectionReport:
        return await collection.collect(
            SYSTEM,
            db=runtime.db,
            storage=runtime.storage,
            policy=runtime.policy,
            stale_after=timedelta(hours=stale_hours),
        )

    report = with_runtime(ctx, work)
    say(
        f"abandoned {len(report.abandoned_objects)} uploads, deleted {len(report.deleted_keys)}"
        f" orphaned objects, aborted {len(report.aborted_uploads)} multipart uploads"
    )
    for what in report.skipped:
        say(f"skipped {what}: the storage server cannot list them", err=True)
