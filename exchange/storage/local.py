"""Objects as files under a root directory, with URLs signed by the application.

Layout: the object ``objects/abc`` is the file ``<root>/objects/abc``; unfinished
multipart uploads live in ``<root>/.multipart/<upload id>/`` (the key in ``key``, each
part in ``<number>-<sha256>.part``). Every write goes through ``AtomicFile``; every
blocking call runs in a worker thread. The signed URLs point at the routes of
``exchange.pages.storage``.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

import anyio
from anyio import to_thread

from exchange.storage.atomic import AtomicFile
from exchange.storage.base import (
    CHUNK_SIZE,
    MIN_PART_SIZE,
    Copied,
    Digest,
    MultipartUpload,
    ObjectInfo,
    Part,
    Storage,
    StoredObject,
    UploadTicket,
    check_key,
    check_part_number,
    check_parts,
)
from exchange.storage.errors import (
    IntegrityMismatch,
    ObjectMissing,
    PartsRejected,
    SignatureInvalid,
    UploadMissing,
)
from exchange.storage.integrity import SHA256_HEX, Checksum, check_sha256, check_size
from exchange.storage.signed_urls import UrlSigner

MULTIPART = ".multipart"
_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)
HASHING_BUFFER = 1024 * 1024  # one-pass copies read, hash and write this much (cache-sized)
_SPAN = 1 << 30  # bytes asked of one copy_file_range / sendfile call
# the kernel cannot copy between these two files in place: fall back to the next way
_NO_FAST_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM,
                 errno.EBADF, errno.ETXTBSY}  # fmt: skip


@dataclass(frozen=True, slots=True)
class UploadGrant:
    """What a verified upload URL allows: exactly ``size`` bytes hashing to ``sha256``."""

    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    """What a verified download URL names: the attachment's filename and media type."""

    filename: str | None
    media_type: str | None


@dataclass(frozen=True, slots=True)
class PartGrant:
    upload_id: str
    part_number: int


class LocalStorage(Storage):
    """Files under ``root``; presigned URLs are ``<url_prefix>/<key>?…&sig=…``."""

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
        checksum = await self._receive(self._path(key), key, chunks, expected_size, expected_sha256)
        return StoredObject(key, checksum.size, checksum.sha256)

    async def _receive(
        self,
        target: Path,
        key: str,
        chunks: AsyncIterable[bytes],
        expected_size: int | None,
        expected_sha256: str | None = None,
        rename: Callable[[Checksum], Path] | None = None,
    ) -> Checksum:
        """Stream ``chunks`` into ``target`` atomically, counting and (when declared) checking
        them; on any failure nothing is left behind. ``rename`` may choose the final name
        from the checksum."""
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
                if len(buffer) >= self.chunk_size:
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
            except _MISSING:
                raise ObjectMissing(key) from None
            try:
                with reader, target.open("wb") as writer:
                    if digest:
                        return _copy_hashing(reader, writer)
                    return Copied(_copy_in_kernel(reader, writer))
            except BaseException:
                target.unlink(missing_ok=True)
                raise

        return await to_thread.run_sync(copy)

    async def _open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return await to_thread.run_sync(path.open, "rb")
        except _MISSING:
            raise ObjectMissing(key) from None

    async def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            result = await to_thread.run_sync(path.stat)
        except _MISSING:
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

    # -- signed URLs -----------------------------------------------------------------------

    async def presign_upload(
        self,
        key: str,
        *,
        size: int,
        sha256: str,
        expires: timedelta,
        media_type: str | None = None,
    ) -> UploadTicket:
        check_key(key)
        check_size(size)
        check_sha256(sha256)
        params = self.signer.sign("PUT", key, {"size": str(size), "sha256": sha256}, expires)
        return UploadTicket(
            url=self._url(key, params),
            method="PUT",
            headers={"Content-Length": str(size)},
            expires_at=datetime.fromtimestamp(int(params["expires"]), UTC),
        )

    async def presign_download(
        self,
        key: str,
        *,
        expires: timedelta,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> str:
        """The signed URL names the filename and media type that the route serves."""
        check_key(key)
        extra = {} if filename is None else {"filename": filename}
        if media_type is not None:
            extra["type"] = media_type
        return self._url(key, self.signer.sign("GET", key, extra, expires))

    def verify_upload(self, key: str, query: dict[str, str]) -> UploadGrant:
        """What a signed upload URL allows (``SignedUrlRejected`` when it allows nothing)."""
        params = self.signer.verify("PUT", check_key(key), query)
        if "size" not in params or "sha256" not in params:
            raise SignatureInvalid()
        return UploadGrant(int(params["size"]), params["sha256"])

    def verify_part(self, key: str, query: dict[str, str]) -> PartGrant:
        params = self.signer.verify("PUT", check_key(key), query)
        if "uploadId" not in params or "partNumber" not in params:
            raise SignatureInvalid()
        return PartGrant(params["uploadId"], int(params["partNumber"]))

    def verify_download(self, key: str, query: dict[str, str]) -> DownloadGrant:
        """The download filename and media type a signed GET URL names, if any."""
        params = self.signer.verify("GET", check_key(key), query)
        return DownloadGrant(params.get("filename"), params.get("type"))

    def _url(self, key: str, params: dict[str, str]) -> str:
        return f"{self.url_prefix}/{key}?{urlencode(params)}"

    # -- multipart -------------------------------------------------------------------------

    async def start_multipart(self, key: str, media_type: str | None = None) -> str:
        check_key(key)
        upload_id = secrets.token_hex(16)
        directory = self.root / MULTIPART / upload_id

        def create() -> None:
            directory.mkdir(parents=True)
            (directory / "key").write_text(key, "utf-8")

        await to_thread.run_sync(create)
        return upload_id

    async def presign_part(
        self, key: str, upload_id: str, part_number: int, *, expires: timedelta
    ) -> str:
        check_key(key)
        check_part_number(part_number)
        params = {"uploadId": upload_id, "partNumber": str(part_number)}
        return self._url(key, self.signer.sign("PUT", key, params, expires))

    async def put_part(
        self, key: str, upload_id: str, part_number: int, chunks: AsyncIterable[bytes]
    ) -> str:
        """Store one part (the body of a signed part URL); returns its ETag."""
        check_part_number(part_number)
        directory = await self._upload_dir(key, upload_id)
        name = f"{part_number:05d}"

        def final(checksum: Checksum) -> Path:
            return directory / f"{name}-{checksum.sha256}.part"

        checksum = await self._receive(directory / name, key, chunks, None, rename=final)

        def drop_replaced() -> None:
            for other in directory.glob(f"{name}-*.part"):
                if other != final(checksum):
                    other.unlink(missing_ok=True)

        await to_thread.run_sync(drop_replaced)
        return f'"{checksum.sha256}"'

    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[Part]
    ) -> ObjectInfo:
        ordered = check_parts(parts)
        directory = await self._upload_dir(key, upload_id)
        files: list[Path] = []
        for part in ordered:
            etag = part.etag.strip('"')
            path = directory / f"{part.number:05d}-{etag}.part"
            if not SHA256_HEX.fullmatch(etag) or not await to_thread.run_sync(path.is_file):
                raise PartsRejected(f"part {part.number} with that ETag was not uploaded")
            files.append(path)
        sizes = [(await to_thread.run_sync(path.stat)).st_size for path in files]
        if any(size < MIN_PART_SIZE for size in sizes[:-1]):
            raise PartsRejected("every part but the last must be at least 5 MiB")

        async def concatenated() -> AsyncIterator[bytes]:
            for path in files:
                with await to_thread.run_sync(path.open, "rb") as handle:
                    while chunk := await to_thread.run_sync(handle.read, self.chunk_size):
                        yield chunk

        checksum = await self._receive(self._path(key), key, concatenated(), None)
        await to_thread.run_sync(shutil.rmtree, directory)
        return ObjectInfo(key, checksum.size, datetime.now(UTC))

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        directory = await self._upload_dir(key, upload_id)
        await to_thread.run_sync(shutil.rmtree, directory)

    async def list_multipart_uploads(self) -> list[MultipartUpload]:
        def scan() -> list[MultipartUpload]:
            uploads = []
            base = self.root / MULTIPART
            for directory in sorted(base.iterdir()) if base.is_dir() else []:
                try:
                    marker = directory / "key"
                    key = marker.read_text("utf-8")
                    initiated = datetime.fromtimestamp(marker.stat().st_mtime, UTC)
                except _MISSING:
                    continue  # completed or aborted while we looked
                uploads.append(MultipartUpload(key, directory.name, initiated))
            return uploads

        return await to_thread.run_sync(scan)

    async def _upload_dir(self, key: str, upload_id: str) -> Path:
        check_key(key)
        if not upload_id.isalnum():
            raise UploadMissing(upload_id)
        directory = self.root / MULTIPART / upload_id
        try:
            owner = await to_thread.run_sync((directory / "key").read_text, "utf-8")
        except _MISSING:
            raise UploadMissing(upload_id) from None
        if owner != key:
            raise UploadMissing(upload_id)
        return directory

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def file_of(self, key: str) -> Path:
        """Where the object's bytes are on disk, for a server that sends files itself
        (byte ranges, sendfile). ``InvalidKey`` for a key outside the storage."""
        return self._path(key)


def _copy_in_kernel(reader: BinaryIO, writer: BinaryIO) -> int:
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


def _copy_hashing(reader: BinaryIO, writer: BinaryIO) -> Copied:
    """One pass: each block is read once, then hashed and written from the same buffer."""
    checksum = Checksum()
    buffer = bytearray(HASHING_BUFFER)
    view = memoryview(buffer)
    while count := reader.readinto(view):  # type: ignore[attr-defined]
        block = view[:count]
        checksum.update(block)  # type: ignore[arg-type]
        writer.write(block)
    return Copied(checksum.size, checksum.sha256)
