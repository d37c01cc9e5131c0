"""The storage interface: one abstract ``Storage`` and the values it speaks in.

Two implementations sit behind it: ``LocalStorage`` (files under a directory, URLs signed
by the application) and ``S3Storage`` (any S3-compatible server through boto3, presigned
URLs). Every method is async and none blocks the event loop: blocking calls run in worker
threads. Failures are the typed errors of ``exchange.storage.errors``.

Keys are id-addressed paths such as ``objects/0192f1c4-…``: segments of letters, digits,
``.``, ``_`` and ``-`` that never start with a dot, joined by ``/``. Names starting with a
dot are therefore free for a backend's own bookkeeping.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import anyio
from anyio import to_thread

from exchange.errors import ValidationFailed
from exchange.messages import N_
from exchange.storage.errors import InvalidKey, PartsRejected
from exchange.storage.integrity import Checksum

CHUNK_SIZE = 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
MAX_PARTS = 10_000
MAX_SINGLE_PUT = 5 * 1024**3  # S3's largest object sent in one PUT (or copied in one call)
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,7}")


def check_key(key: str) -> str:
    """``key`` if it follows the key grammar, else ``InvalidKey`` (no ``..``, no ``/`` first)."""
    if not KEY.fullmatch(key):
        raise InvalidKey(key)
    return key


def content_disposition(filename: str) -> str:
    """An attachment header that survives any filename: ``a%20b — ö.pdf`` gives
    ``attachment; filename="a_20b _ _.pdf"; filename*=UTF-8''a%2520b%20%E2%80%94%20%C3%B6.pdf``.

    RFC 6266 §4.3 and appendix D: ``filename=`` is a plain ASCII fallback that old user
    agents show as it is, and some of them percent-decode it, so it carries printable
    ASCII only, with ``%``, ``"`` and ``\\`` (and anything else) replaced by ``_``;
    ``filename*`` (RFC 8187) carries the exact UTF-8 name, percent-encoded."""
    fallback = "".join(c if " " <= c <= "~" and c not in _UNSAFE else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


_UNSAFE = frozenset('%"\\')


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object written by ``put``, whose bytes were checked while they were stored."""

    key: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What the server says about an object: not evidence of its content."""

    key: str
    size: int
    modified: datetime | None = None
    media_type: str | None = None  # the Content-Type it is stored with, where kept
    checksum_sha256: str | None = None  # hex, where the server keeps x-amz-checksum-sha256


@dataclass(frozen=True, slots=True)
class Digest:
    """Size and SHA-256 recomputed from the stored bytes."""

    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Copied:
    """What ``copy_to`` wrote: its size, and the SHA-256 of the bytes written when the
    copy was asked to hash them (``None`` otherwise)."""

    size: int
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class UploadTicket:
    """How a client uploads one object: send ``method`` to ``url`` with ``headers``."""

    url: str
    method: str
    headers: Mapping[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """One uploaded part of a multipart upload, as the uploading client saw it."""

    number: int
    etag: str


@dataclass(frozen=True, slots=True)
class MultipartUpload:
    """A multipart upload that was started and neither completed nor aborted."""

    key: str
    upload_id: str
    initiated: datetime | None


class Storage(ABC):
    """Where the bytes of digital objects live."""

    @abstractmethod
    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        expected_size: int,
        expected_sha256: str,
        media_type: str | None = None,
    ) -> StoredObject:
        """Store the streamed bytes under ``key``, atomically, with ``media_type`` as their
        Content-Type where the backend keeps one.

        Size and SHA-256 are counted while the bytes pass; if they differ from the
        declared ones ``IntegrityMismatch`` is raised and nothing is left under ``key``.
        """

    @abstractmethod
    def open(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, in chunks. ``ObjectMissing`` is raised on first iteration."""

    async def copy_to(self, key: str, target: Path, *, digest: bool = False) -> Copied:
        """Write the stored bytes into the local file ``target`` (created or truncated) by
        the fastest path the backend has. With ``digest`` the bytes are hashed in the same
        single pass (read once, hashed and written). ``ObjectMissing`` when there is
        nothing under ``key``; a failed copy leaves no ``target`` behind.

        This default streams ``open``; backends override it with something faster."""
        checksum = Checksum() if digest else None
        handle: BinaryIO = await to_thread.run_sync(target.open, "wb")
        try:
            async for chunk in self.open(key):
                await to_thread.run_sync(_write, handle, checksum, chunk)
            size = await to_thread.run_sync(handle.tell)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await to_thread.run_sync(handle.close)
                await to_thread.run_sync(lambda: target.unlink(missing_ok=True))
            raise
        await to_thread.run_sync(handle.close)
        return Copied(size, None if checksum is None else checksum.sha256)

    @abstractmethod
    async def stat(self, key: str) -> ObjectInfo | None:
        """The server's description of the object, or ``None`` when there is none."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abstractmethod
    async def digest(self, key: str) -> Digest:
        """Size and SHA-256 recomputed by streaming the stored bytes (``ObjectMissing``)."""

    @abstractmethod
    async def presign_upload(
        self,
        key: str,
        *,
        size: int,
        sha256: str,
        expires: timedelta,
        media_type: str | None = None,
    ) -> UploadTicket:
        """A ticket for one client upload of exactly ``size`` bytes hashing to ``sha256``
        (sent with Content-Type ``media_type`` when given: the ticket's headers say so).

        Servers that can enforce the size and checksum will; the caller verifies with
        ``digest`` afterwards in any case."""

    @abstractmethod
    async def presign_download(
        self,
        key: str,
        *,
        expires: timedelta,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> str:
        """A URL that serves the object with GET until it expires, as an attachment named
        ``filename`` and with Content-Type ``media_type`` when given."""

    async def set_media_type(self, key: str, media_type: str) -> bool:
        """Store ``media_type`` as the object's Content-Type where the backend keeps one;
        ``False`` when it cannot (no metadata kept, or the object too large to rewrite)."""
        return False

    @abstractmethod
    async def start_multipart(self, key: str, media_type: str | None = None) -> str:
        """Begin a multipart upload to ``key`` (Content-Type ``media_type`` once joined);
        returns its upload id."""

    @abstractmethod
    async def presign_part(
        self, key: str, upload_id: str, part_number: int, *, expires: timedelta
    ) -> str:
        """A URL that accepts part ``part_number`` (1…10000) with PUT; its answer's
        ``ETag`` header is what ``complete_multipart`` needs."""

    @abstractmethod
    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[Part]
    ) -> ObjectInfo:
        """Join the parts, in part-number order, into the object under ``key``."""

    @abstractmethod
    async def abort_multipart(self, key: str, upload_id: str) -> None:
        """Discard the upload and every part uploaded to it."""

    @abstractmethod
    def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every stored key starting with ``prefix``, for garbage collection
        (``Unsupported`` from a server that cannot list)."""

    @abstractmethod
    async def list_multipart_uploads(self) -> list[MultipartUpload]:
        """Unfinished multipart uploads, for collecting abandoned ones (``Unsupported``
        from a server that cannot list them)."""

    async def aclose(self) -> None:  # noqa: B027 - an optional hook, not abstract
        """Release connections and threads held by the backend."""


def _write(handle: BinaryIO, checksum: Checksum | None, chunk: bytes) -> None:
    handle.write(chunk)
    if checksum is not None:
        checksum.update(chunk)


def check_part_number(part_number: int) -> int:
    if not 1 <= part_number <= MAX_PARTS:
        raise ValidationFailed.single(
            "part_number",
            "invalid",
            N_("part numbers run from 1 to {max_parts}", max_parts=MAX_PARTS),
        )
    return part_number


def check_parts(parts: Sequence[Part]) -> list[Part]:
    """The parts in ascending order, each number once; ``PartsRejected`` otherwise."""
    if not parts:
        raise PartsRejected("a multipart upload needs at least one part")
    numbers = [part.number for part in parts]
    if len(set(numbers)) != len(numbers):
        raise PartsRejected("a part number is listed twice")
    for number in numbers:
        check_part_number(number)
    return sorted(parts, key=lambda part: part.number)
