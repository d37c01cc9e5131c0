"""A file that appears at its final path complete or not at all (blocking; run in a thread)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


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
