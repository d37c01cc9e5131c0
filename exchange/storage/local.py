"""Objects as files under a root directory, with URLs signed by the application.

Layout: the object ``objects/abc`` is the file ``<root>/objects/abc``; unfinished
multipart uploads live in ``<root>/.multipart/`` (``local_multipart``). Every write goes
through ``AtomicFile``; every blocking call runs in a worker thread. The signed URLs
(``local_urls``) point at the routes of ``exchange.pages.storage``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from anyio import to_thread

from exchange.storage.atomic import NO_FILE, receive
from exchange.storage.base import (
    CHUNK_SIZE,
    Copied,
    Digest,
    MultipartUpload,
    ObjectInfo,
    Part,
    Storage,
    StoredObject,
    UploadTicket,
    check_key,
)
from exchange.storage.errors import ObjectMissing
from exchange.storage.file_copy import copy_hashing, copy_in_kernel
from exchange.storage.integrity import Checksum, check_sha256, check_size
from exchange.storage.local_multipart import PartFiles
from exchange.storage.local_urls import LocalUrls
from exchange.storage.signed_urls import UrlSigner


class LocalStorage(Storage):
    """Files under ``root``; presigned URLs are ``<url_prefix>/<key>?…&sig=…``, checked
    by ``urls`` (a ``LocalUrls``) when they come back."""

    def __init__(
        self,
        root: Path,
        signer: UrlSigner,
        *,
        url_prefix: str = "/storage",
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.root = root
        self.signer = signer
        self.url_prefix = url_prefix.rstrip("/")
        self.chunk_size = chunk_size
        self.urls = LocalUrls(signer, self.url_prefix)
        self._parts = PartFiles(root, chunk_size)

    # -- objects ---------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        expected_size: int,
        expected_sha256: str,
        media_type: str | None = None,  # kept in no file: downloads name the type
    ) -> StoredObject:
        check_key(key)
        check_size(expected_size)
        check_sha256(expected_sha256)
        checksum = await receive(
            self._path(key),
            key,
            chunks,
            chunk_size=self.chunk_size,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
        )
        return StoredObject(key, checksum.size, checksum.sha256)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        handle = await self._open(key)
        try:
            while chunk := await to_thread.run_sync(handle.read, self.chunk_size):
                yield chunk
        finally:
            handle.close()

    async def copy_to(self, key: str, target: Path, *, digest: bool = False) -> Copied:
        """The file copied in the kernel (``copy_file_range``, else ``sendfile``, else a
        plain read/write loop), in one worker thread; with ``digest`` one pass reads each
        block once, hashes it and writes it."""
        source = self._path(key)

        def copy() -> Copied:
            try:
                reader = source.open("rb")
            except NO_FILE:
                raise ObjectMissing(key) from None
            try:
                with reader, target.open("wb") as writer:
                    if digest:
                        return copy_hashing(reader, writer)
                    return Copied(copy_in_kernel(reader, writer))
            except BaseException:
                target.unlink(missing_ok=True)
                raise

        return await to_thread.run_sync(copy)

    async def _open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return await to_thread.run_sync(path.open, "rb")
        except NO_FILE:
            raise ObjectMissing(key) from None

    async def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            result = await to_thread.run_sync(path.stat)
        except NO_FILE:
            return None
        if not path.is_file():
            return None
        return ObjectInfo(key, result.st_size, datetime.fromtimestamp(result.st_mtime, UTC))

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))

    async def digest(self, key: str) -> Digest:
        handle = await self._open(key)
        checksum = Checksum()

        def read_chunk() -> int:
            chunk = handle.read(self.chunk_size)
            checksum.update(chunk)
            return len(chunk)

        try:
            while await to_thread.run_sync(read_chunk):
                pass
        finally:
            handle.close()
        return Digest(checksum.size, checksum.sha256)

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        for key in await to_thread.run_sync(self._keys, prefix):
            yield key

    def _keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for directory, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
            relative = Path(directory).relative_to(self.root)
            for name in filenames:
                if name.startswith("."):
                    continue
                key = (relative / name).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def file_of(self, key: str) -> Path:
        """Where the object's bytes are on disk, for a server that sends files itself
        (byte ranges, sendfile). ``InvalidKey`` for a key outside the storage."""
        return self._path(key)

    # -- signed URLs (local_urls) ----------------------------------------------------------

    async def presign_upload(
        self,
        key: str,
        *,
        size: int,
        sha256: str,
        expires: timedelta,
        media_type: str | None = None,
    ) -> UploadTicket:
        return self.urls.upload(key, size=size, sha256=sha256, expires=expires)

    async def presign_download(
        self,
        key: str,
        *,
        expires: timedelta,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> str:
        """The signed URL names the filename and media type that the route serves."""
        return self.urls.download(key, expires=expires, filename=filename, media_type=media_type)

    async def presign_part(
        self, key: str, upload_id: str, part_number: int, *, expires: timedelta
    ) -> str:
        return self.urls.part(key, upload_id, part_number, expires=expires)

    # -- multipart (local_multipart) -------------------------------------------------------

    async def start_multipart(self, key: str, media_type: str | None = None) -> str:
        return await self._parts.start(key)

    async def put_part(
        self, key: str, upload_id: str, part_number: int, chunks: AsyncIterable[bytes]
    ) -> str:
        """Store one part (the body of a signed part URL); returns its ETag."""
        return await self._parts.put(key, upload_id, part_number, chunks)

    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[Part]
    ) -> ObjectInfo:
        return await self._parts.complete(key, upload_id, parts)

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        await self._parts.abort(key, upload_id)

    async def list_multipart_uploads(self) -> list[MultipartUpload]:
        return await self._parts.uploads()
