"""Receiving an object's bytes through the instance (a plain form post, no JavaScript):
the uploader's browser cannot declare the size and SHA-256 beforehand, so the bytes are
counted and hashed as they arrive, then go through the same start → put → complete flow
as every other upload.

Memory stays bounded: the bytes pass in chunks into a spool file (under a directory the
caller names, removed afterwards), then stream from it into storage; the storage hashes
them again while storing and ``complete`` once more from what was stored.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import anyio
from anyio import to_thread

from exchange.db.engine import Database
from exchange.errors import ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.objects import uploads
from exchange.objects.sniffing import HEAD_SIZE, sniff
from exchange.policy import PolicyEngine
from exchange.storage.base import CHUNK_SIZE, Storage
from exchange.storage.integrity import Checksum

# What the checks before the bytes see for the two values only the bytes can give.
UNKNOWN_SIZE = 1
UNKNOWN_SHA256 = "0" * 64


@dataclass(frozen=True, slots=True)
class Spooled:
    """The received bytes: where they wait, how many, their SHA-256 and first bytes."""

    path: Path
    size: int
    sha256: str
    head: bytes


async def spool(chunks: AsyncIterable[bytes], directory: Path, max_size: int) -> Spooled:
    """Write ``chunks`` to a new file in ``directory``, counting and hashing them.

    ``ValidationFailed`` on ``file`` (code ``too_large``) past ``max_size`` bytes, or
    (``required``) when no byte came; the file is removed then."""
    await to_thread.run_sync(lambda: directory.mkdir(parents=True, exist_ok=True))

    def create() -> tuple[BinaryIO, Path]:
        descriptor, name = tempfile.mkstemp(dir=directory, prefix="upload-")
        return os.fdopen(descriptor, "wb"), Path(name)

    handle, path = await to_thread.run_sync(create)
    checksum = Checksum()
    head = bytearray()
    try:
        async for chunk in chunks:
            checksum.update(chunk)
            if checksum.size > max_size:
                raise ValidationFailed.single(
                    "file",
                    "too_large",
                    N_(
                        "a file sent with the form takes at most {max_size} bytes",
                        max_size=max_size,
                    ),
                )
            if len(head) < HEAD_SIZE:
                head += chunk[: HEAD_SIZE - len(head)]
            await to_thread.run_sync(handle.write, chunk)
        if checksum.size == 0:
            raise ValidationFailed.single("file", "required", "choose a file that is not empty")
    except BaseException:
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(handle.close)
            await to_thread.run_sync(lambda: path.unlink(missing_ok=True))
        raise
    await to_thread.run_sync(handle.close)
    return Spooled(path, checksum.size, checksum.sha256, bytes(head))


async def _read(path: Path) -> AsyncIterator[bytes]:
    handle: BinaryIO = await to_thread.run_sync(path.open, "rb")
    try:
        while chunk := await to_thread.run_sync(handle.read, CHUNK_SIZE):
            yield chunk
    finally:
        await to_thread.run_sync(handle.close)


async def receive(
    identity: Identity,
    draft: uploads.UploadDraft,
    chunks: AsyncIterable[bytes],
    *,
    db: Database,
    storage: Storage,
    policy: PolicyEngine,
    spool_dir: Path,
    max_size: int,
) -> uploads.Completion:
    """Store the streamed bytes as a new object described by ``draft`` (whose ``size`` and
    ``sha256`` are ignored: they are counted from the bytes) and verify it.

    The identity's right to upload (``uploads.check_upload``) is checked before the first
    byte is read: a refusal (``ValidationFailed``, ``NotFound``, ``PermissionDenied``,
    ``Conflict``) leaves nothing stored or spooled. ``spool``'s errors apply. The
    outcome is ``uploads.complete_upload``'s: available, or rejected with the reason."""
    provisional = replace(draft, size=UNKNOWN_SIZE, sha256=UNKNOWN_SHA256)
    async with db.read() as session:
        await uploads.check_upload(identity, provisional, session=session, policy=policy)
    received = await spool(chunks, spool_dir, max_size)
    try:
        actual = replace(draft, size=received.size, sha256=received.sha256)
        async with db.unit_of_work() as uow:
            started = await uploads.start_upload(
                identity, actual, uow=uow, storage=storage, policy=policy, presign=False
            )
        await storage.put(
            started.object.storage_key,
            _read(received.path),
            expected_size=received.size,
            expected_sha256=received.sha256,
            media_type=sniff(received.head),
        )
        return await uploads.complete_upload(
            identity, started.object.id, db=db, storage=storage, policy=policy
        )
    finally:
        with contextlib.suppress(OSError):
            await to_thread.run_sync(received.path.unlink)
