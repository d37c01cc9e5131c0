"""A file that appears at its final path complete or not at all.

``AtomicFile`` is blocking (run it in a thread); ``receive`` streams chunks into one from
async code, each write in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterable, Callable
from pathlib import Path

import anyio
from anyio import to_thread

from exchange.storage.errors import IntegrityMismatch
from exchange.storage.integrity import Checksum

# what opening or reading a path raises when no file is there
NO_FILE = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class AtomicFile:
    """Written to a hidden temporary file beside ``target``; ``commit`` flushes it to disk
    and renames it over ``target``, ``discard`` removes it. Keys never start with a dot,
    so the temporary name can never be mistaken for an object."""

    def __init__(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        self.target = target
        self._tmp = Path(name)
        self._file = os.fdopen(fd, "wb")

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._file.write(data)

    def commit(self, target: Path | None = None) -> None:
        """Publish the file at ``target`` (a sibling of the first target), or the target."""
        if target is not None:
            self.target = target
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.target)
        fsync_directory(self.target.parent)

    def discard(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)


def fsync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


async def receive(
    target: Path,
    key: str,
    chunks: AsyncIterable[bytes],
    *,
    chunk_size: int,
    expected_size: int | None,
    expected_sha256: str | None = None,
    rename: Callable[[Checksum], Path] | None = None,
) -> Checksum:
    """Stream ``chunks`` into ``target`` atomically, counting and (when declared) checking
    them (``IntegrityMismatch`` names ``key``); on any failure nothing is left behind.
    Writes go in blocks of at least ``chunk_size`` bytes. ``rename`` may choose the final
    name from the checksum."""
    checksum = Checksum()
    file = await to_thread.run_sync(AtomicFile, target)
    buffer = bytearray()

    def flush(data: bytes) -> None:
        file.write(data)
        checksum.update(data)

    try:
        async for chunk in chunks:
            buffer += chunk
            if expected_size is not None and checksum.size + len(buffer) > expected_size:
                raise IntegrityMismatch(
                    key, expected_size=expected_size, actual_size=checksum.size + len(buffer)
                )
            if len(buffer) >= chunk_size:
                # small network chunks are gathered so a thread hop moves a whole chunk
                data, buffer = bytes(buffer), bytearray()
                await to_thread.run_sync(flush, data)
        if buffer:
            await to_thread.run_sync(flush, bytes(buffer))
        if expected_size is not None and expected_sha256 is not None:
            checksum.verify(key, expected_size, expected_sha256)
        await to_thread.run_sync(file.commit, None if rename is None else rename(checksum))
    except BaseException:
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(file.discard)
        raise
    return checksum
