"""Copying one open file into another in a worker thread, in the kernel where it can.

``copy_in_kernel`` tries ``copy_file_range``, then ``sendfile``, then a plain read/write
loop; ``copy_hashing`` reads each block once, hashes it and writes it (one pass).
"""

from __future__ import annotations

import errno
import io
import os
import shutil
from typing import BinaryIO

from exchange.storage.base import Copied
from exchange.storage.integrity import Checksum

HASHING_BUFFER = 1024 * 1024  # one-pass copies read, hash and write this much (cache-sized)
_SPAN = 1 << 30  # bytes asked of one copy_file_range / sendfile call
# the kernel cannot copy between these two files in place: fall back to the next way
_NO_FAST_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM,
                 errno.EBADF, errno.ETXTBSY}  # fmt: skip


def copy_in_kernel(reader: BinaryIO, writer: BinaryIO) -> int:
    """Copy without the bytes passing through Python; returns the bytes copied."""
    source, target = reader.fileno(), writer.fileno()
    copied = 0
    for call in (getattr(os, "copy_file_range", None), _sendfile):
        if call is None:
            continue
        try:
            while sent := call(source, target, _SPAN):
                copied += sent
            return copied
        except OSError as error:
            if copied or error.errno not in _NO_FAST_COPY:
                raise  # a real I/O failure, or one midway that we cannot resume cleanly
    shutil.copyfileobj(reader, writer, HASHING_BUFFER)
    return writer.tell()


def _sendfile(source: int, target: int, count: int) -> int:
    return os.sendfile(target, source, None, count)


def copy_hashing(reader: io.BufferedIOBase, writer: BinaryIO) -> Copied:
    """One pass: each block is read once, then hashed and written from the same buffer."""
    checksum = Checksum()
    buffer = bytearray(HASHING_BUFFER)
    view = memoryview(buffer)
    while count := reader.readinto(view):
        block = view[:count]
        checksum.update(block)
        writer.write(block)
    return Copied(checksum.size, checksum.sha256)
