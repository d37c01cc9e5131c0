"""The SQLite file holds password and token hashes: it and its directory are private.

The directory is created 0700 and the file 0600 before SQLite opens it (SQLite gives its
``-wal`` and ``-shm`` files the database file's mode). A file that already exists is
narrowed to 0600; an existing directory is left as the operator made it.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by the owner only."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)


def prepare_sqlite(path: Path) -> None:
    """Make the database file's directory (0700) and the file itself (0600) if missing."""
    if not path.parent.exists():
        private_directory(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
