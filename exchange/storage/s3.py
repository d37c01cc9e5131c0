"""Objects in an S3-compatible bucket (AWS, MinIO, Ceph, Garage, moto) through boto3.

Every boto3 call runs in a worker thread, and every botocore failure is translated into
the storage error tree (``s3_client.Bucket``). Retries are bounded and timeouts short, so
a dead server costs seconds, not minutes. Clients upload and download with presigned URLs
(``s3_presign``); the bytes pass through the application only in ``put``, ``open`` and
``digest``.

Only calls that the common servers share are relied on (multipart uploads: see
``s3_multipart``); a call the server lacks raises ``Unsupported``. Objects carry their
media type as Content-Type and, sent in one PUT, their SHA-256 as
``x-amz-checksum-sha256`` (servers that keep no checksums, like s3rver, ignore the
header; a multipart object's S3 checksum would be a checksum of part checksums, so none
is claimed for it).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from anyio import to_thread

from exchange.storage import s3_multipart, s3_presign
from exchange.storage.base import (
    CHUNK_SIZE,
    MAX_SINGLE_PUT,
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
)
from exchange.storage.errors import ObjectMissing, Unsupported
from exchange.storage.integrity import Checksum, check_sha256, check_size
from exchange.storage.s3_client import Bucket, S3Config, hex_checksum

COPY_CHUNK = 8 * 1024 * 1024  # bytes read from a download body at a time by copy_to

__all__ = ["S3Config", "S3Storage"]


class S3Storage(Storage):
    """One bucket. ``client`` may be given (tests); by default it is built from ``config``."""

    def __init__(self, config: S3Config, client: Any | None = None) -> None:
        if config.part_size < MIN_PART_SIZE:
            raise ValueError("part_size must be at least 5 MiB")
        self.config = config
        self.bucket = config.bucket
        self._s3 = Bucket(config, client if client is not None else config.client())

    @property
    def client(self) -> Any:
        """The boto3 client, for bucket settings outside this interface (``cors``)."""
        return self._s3.client

    # -- objects ---------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        expected_size: int,
        expected_sha256: str,
        media_type: str | None = None,
    ) -> StoredObject:
        """Small objects are checked, then sent whole; larger ones go as a multipart upload
        that is completed only when the checksum matches (else aborted), so a mismatch
        never becomes visible. Memory stays at one part."""
        check_key(key)
        check_size(expected_size)
        check_sha256(expected_sha256)
        checksum = Checksum()
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[Part] = []
        try:
            async for chunk in chunks:
                checksum.update(chunk)
                checksum.guard(key, expected_size)
                buffer += chunk
                if len(buffer) >= self.config.part_size:
                    if upload_id is None:
                        upload_id = await self.start_multipart(key, media_type)
                    parts.append(
                        await s3_multipart.send_part(
                            self._s3, key, upload_id, len(parts) + 1, buffer
                        )
                    )
                    buffer = bytearray()
            checksum.verify(key, expected_size, expected_sha256)
            if upload_id is None:
                await self._put_object(key, bytes(buffer), expected_sha256, media_type)
            else:
                if buffer:
                    parts.append(
                        await s3_multipart.send_part(
                            self._s3, key, upload_id, len(parts) + 1, buffer
                        )
                    )
                await self.complete_multipart(key, upload_id, parts)
        except BaseException:
            if upload_id is not None:
                await s3_multipart.abort_quietly(self._s3, key, upload_id)
            raise
        return StoredObject(key, checksum.size, checksum.sha256)

    async def _put_object(self, key: str, body: bytes, sha256: str, media_type: str | None) -> None:
        params: dict[str, Any] = {"Key": key, "Body": body}
        if media_type is not None:
            params["ContentType"] = media_type
        await self._s3.call("put_object", key=key, **params, **self._s3.checksum_params(sha256))

    async def open(self, key: str) -> AsyncIterator[bytes]:
        body = await self._body(key)
        try:
            while chunk := await self._s3.run(functools.partial(body.read, CHUNK_SIZE), key=key):
                yield chunk
        finally:
            body.close()

    async def copy_to(self, key: str, target: Path, *, digest: bool = False) -> Copied:
        """A streamed download into ``target``: one worker thread reads the body, hashes
        each block when asked (one pass) and writes it."""
        body = await self._body(key)
        checksum = Checksum() if digest else None

        def download() -> int:
            try:
                with target.open("wb") as handle:
                    while chunk := body.read(COPY_CHUNK):
                        if checksum is not None:
                            checksum.update(chunk)
                        handle.write(chunk)
                    return handle.tell()
            except BaseException:
                target.unlink(missing_ok=True)
                raise
            finally:
                body.close()

        size = await self._s3.run(download, key=key)
        return Copied(size, None if checksum is None else checksum.sha256)

    async def _body(self, key: str) -> Any:
        check_key(key)
        return (await self._s3.call("get_object", key=key, Key=key))["Body"]

    async def stat(self, key: str) -> ObjectInfo | None:
        check_key(key)
        try:
            head = await self._s3.call("head_object", key=key, Key=key, ChecksumMode="ENABLED")
        except ObjectMissing:
            return None
        return ObjectInfo(
            key,
            int(head["ContentLength"]),
            head.get("LastModified"),
            head.get("ContentType"),
            hex_checksum(head.get("ChecksumSHA256")),
        )

    async def set_media_type(self, key: str, media_type: str) -> bool:
        """Rewrite the object's Content-Type by copying it onto itself (CopyObject with
        ``MetadataDirective=REPLACE``, only while its ETag is unchanged), asking the server
        for a SHA-256 checksum of the copy. ``False`` above 5 GiB (one CopyObject's limit)
        or on a server without CopyObject; downloads name the type in any case."""
        check_key(key)
        head = await self._s3.call("head_object", key=key, Key=key)
        if head.get("ContentType") == media_type:
            return True
        if int(head["ContentLength"]) > MAX_SINGLE_PUT:
            return False
        params: dict[str, Any] = {
            "Key": key,
            "CopySource": {"Bucket": self.bucket, "Key": key},
            "CopySourceIfMatch": head["ETag"],
            "MetadataDirective": "REPLACE",
            "ContentType": media_type,
        }
        if self.config.checksums:
            params["ChecksumAlgorithm"] = "SHA256"
        try:
            await self._s3.call("copy_object", key=key, **params)
        except Unsupported:
            return False
        return True

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._s3.call("delete_object", key=key, Key=key)

    async def digest(self, key: str) -> Digest:
        body = await self._body(key)
        checksum = Checksum()

        def read_chunk() -> int:
            chunk = body.read(CHUNK_SIZE)
            checksum.update(chunk)
            return len(chunk)

        try:
            while await self._s3.run(read_chunk, key=key):
                pass
        finally:
            body.close()
        return Digest(checksum.size, checksum.sha256)

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        params: dict[str, Any] = {"Prefix": prefix}
        while True:
            page = await self._s3.call("list_objects_v2", **params)
            for item in page.get("Contents", []):
                yield item["Key"]
            if not page.get("IsTruncated"):
                return
            params["ContinuationToken"] = page["NextContinuationToken"]

    # -- presigned URLs (s3_presign) ------------------------------------------------------

    async def presign_upload(
        self,
        key: str,
        *,
        size: int,
        sha256: str,
        expires: timedelta,
        media_type: str | None = None,
    ) -> UploadTicket:
        return await s3_presign.upload_ticket(
            self._s3, key, size=size, sha256=sha256, expires=expires, media_type=media_type
        )

    async def presign_download(
        self,
        key: str,
        *,
        expires: timedelta,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> str:
        return await s3_presign.download_url(
            self._s3, key, expires=expires, filename=filename, media_type=media_type
        )

    async def presign_part(
        self, key: str, upload_id: str, part_number: int, *, expires: timedelta
    ) -> str:
        return await s3_presign.part_url(self._s3, key, upload_id, part_number, expires=expires)

    # -- multipart (s3_multipart) ----------------------------------------------------------

    async def start_multipart(self, key: str, media_type: str | None = None) -> str:
        return await s3_multipart.start(self._s3, key, media_type)

    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[Part]
    ) -> ObjectInfo:
        """The object as the server now describes it (``ObjectMissing`` if it does not)."""
        await s3_multipart.complete(self._s3, key, upload_id, parts)
        info = await self.stat(key)
        if info is None:
            raise ObjectMissing(key)
        return info

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        await s3_multipart.abort(self._s3, key, upload_id)

    async def list_multipart_uploads(self) -> list[MultipartUpload]:
        return await s3_multipart.uploads(self._s3)

    async def aclose(self) -> None:
        await to_thread.run_sync(self._s3.client.close)
