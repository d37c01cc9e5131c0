"""Unfinished multipart uploads of ``LocalStorage``, as files under ``<root>/.multipart``.

One directory per upload, named by its id: the key in ``key``, each part in
``<number>-<sha256>.part`` (the part's ETag is its SHA-256, so completion finds a part by
the number and ETag the client reports). Completion joins the parts into the object
through ``receive`` and removes the directory; so does an abort, without the object.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from anyio import to_thread

from exchange.storage.atomic import NO_FILE, receive
from exchange.storage.base import (
    MIN_PART_SIZE,
    MultipartUpload,
    ObjectInfo,
    Part,
    check_key,
    check_part_number,
    check_parts,
)
from exchange.storage.errors import PartsRejected, UploadMissing
from exchange.storage.integrity import SHA256_HEX, Checksum

MULTIPART = ".multipart"


class PartFiles:
    """The multipart uploads of the objects under ``root`` (keys never start with a dot,
    so ``.multipart`` is never mistaken for an object)."""

    def __init__(self, root: Path, chunk_size: int) -> None:
        self.root = root
        self.chunk_size = chunk_size

    async def start(self, key: str) -> str:
        """A new upload id (32 hex digits) for ``key``."""
        check_key(key)
        upload_id = secrets.token_hex(16)
        directory = self.root / MULTIPART / upload_id

        def create() -> None:
            directory.mkdir(parents=True)
            (directory / "key").write_text(key, "utf-8")

        await to_thread.run_sync(create)
        return upload_id

    async def put(
        self, key: str, upload_id: str, part_number: int, chunks: AsyncIterable[bytes]
    ) -> str:
        """Store one part, replacing an earlier one of that number; returns its ETag
        (the quoted SHA-256). ``UploadMissing`` when the upload is not one of ``key``."""
        check_part_number(part_number)
        directory = await self._directory(key, upload_id)
        name = f"{part_number:05d}"

        def final(checksum: Checksum) -> Path:
            return directory / f"{name}-{checksum.sha256}.part"

        checksum = await receive(
            directory / name,
            key,
            chunks,
            chunk_size=self.chunk_size,
            expected_size=None,
            rename=final,
        )

        def drop_replaced() -> None:
            for other in directory.glob(f"{name}-*.part"):
                if other != final(checksum):
                    other.unlink(missing_ok=True)

        await to_thread.run_sync(drop_replaced)
        return f'"{checksum.sha256}"'

    async def complete(self, key: str, upload_id: str, parts: Sequence[Part]) -> ObjectInfo:
        """The parts joined in number order into the object ``key``. ``PartsRejected``
        when a part with that ETag was not uploaded, or one but the last is under 5 MiB
        (S3's rule)."""
        ordered = check_parts(parts)
        directory = await self._directory(key, upload_id)
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

        checksum = await receive(
            self.root / key, key, concatenated(), chunk_size=self.chunk_size, expected_size=None
        )
        await to_thread.run_sync(shutil.rmtree, directory)
        return ObjectInfo(key, checksum.size, datetime.now(UTC))

    async def abort(self, key: str, upload_id: str) -> None:
        """Remove the upload and its parts (``UploadMissing`` when there is none)."""
        directory = await self._directory(key, upload_id)
        await to_thread.run_sync(shutil.rmtree, directory)

    async def uploads(self) -> list[MultipartUpload]:
        """The unfinished uploads, by id, each with the time it started."""

        def scan() -> list[MultipartUpload]:
            uploads = []
            base = self.root / MULTIPART
            for directory in sorted(base.iterdir()) if base.is_dir() else []:
                try:
                    marker = directory / "key"
                    key = marker.read_text("utf-8")
                    initiated = datetime.fromtimestamp(marker.stat().st_mtime, UTC)
                except NO_FILE:
                    continue  # completed or aborted while we looked
                uploads.append(MultipartUpload(key, directory.name, initiated))
            return uploads

        return await to_thread.run_sync(scan)

    async def _directory(self, key: str, upload_id: str) -> Path:
        check_key(key)
        if not upload_id.isalnum():
            raise UploadMissing(upload_id)
        directory = self.root / MULTIPART / upload_id
        try:
            owner = await to_thread.run_sync((directory / "key").read_text, "utf-8")
        except NO_FILE:
            raise UploadMissing(upload_id) from None
        if owner != key:
            raise UploadMissing(upload_id)
        return directory
