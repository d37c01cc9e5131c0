"""Objects in an S3-compatible bucket (AWS, MinIO, Ceph, Garage, moto) through boto3.

Every boto3 call runs in a worker thread, and every botocore failure is translated into
the storage error tree by ``translate``. Retries are bounded and timeouts short, so a dead
server costs seconds, not minutes. Clients upload and download with presigned URLs; the
bytes pass through the application only in ``put``, ``open`` and ``digest``.

Only calls that the common servers share are relied on. Completion takes the parts and
ETags the client reports (no ListParts); a server without AbortMultipartUpload (s3rver)
gets the same effect from one empty part, a completion and a delete; a call the server
lacks raises ``Unsupported``. Objects carry their media type as Content-Type and, sent in
one PUT, their SHA-256 as ``x-amz-checksum-sha256`` (servers that keep no checksums,
like s3rver, ignore the header; a multipart object's S3 checksum would be a checksum of
part checksums, so none is claimed for it).
"""

from __future__ import annotations

import base64
import contextlib
import functools
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
from anyio import to_thread
from botocore.exceptions import BotoCoreError, ClientError

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
    check_part_number,
    check_parts,
    content_disposition,
)
from exchange.storage.errors import (
    ObjectMissing,
    StorageError,
    Unsupported,
)
from exchange.storage.integrity import Checksum, check_sha256, check_size
from exchange.storage.s3_client import S3Config, hex_checksum, translate

COPY_CHUNK = 8 * 1024 * 1024  # bytes read from a download body at a time by copy_to
MAX_EXPIRY = timedelta(days=7)  # the longest a SigV4 presigned URL may live

__all__ = ["S3Config", "S3Storage"]


class S3Storage(Storage):
    """One bucket. ``client`` may be given (tests); by default it is built from ``config``."""

    def __init__(self, config: S3Config, client: Any | None = None) -> None:
        if config.part_size < MIN_PART_SIZE:
            raise ValueError("part_size must be at least 5 MiB")
        self.config = config
        self.bucket = config.bucket
        self._client = client if client is not None else config.client()

    @property
    def client(self) -> Any:
        """The boto3 client, for bucket settings outside this interface (``cors``)."""
        return self._client

    async def _call(
        self, operation: str, *, key: str = "", upload_id: str = "", **params: Any
    ) -> Any:
        method = functools.partial(getattr(self._client, operation), Bucket=self.bucket, **params)
        return await self._run(method, key=key, upload_id=upload_id, operation=operation)

    async def _run(
        self, fn: Callable[[], Any], *, key: str = "", upload_id: str = "", operation: str = ""
    ) -> Any:
        try:
            return await to_thread.run_sync(fn)
        except (BotoCoreError, ClientError) as error:
            raise translate(error, key, upload_id, operation) from error

    def _checksum_params(self, sha256: str) -> dict[str, str]:
        """The SHA-256 as S3's checksum; the algorithm is named too (the SDK's
        ``x-amz-sdk-checksum-algorithm``), which some servers (moto) need to keep it."""
        if not self.config.checksums:
            return {}
        value = base64.b64encode(bytes.fromhex(sha256)).decode()
        return {"ChecksumSHA256": value, "ChecksumAlgorithm": "SHA256"}

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
                    parts.append(await self._send_part(key, upload_id, len(parts) + 1, buffer))
                    buffer = bytearray()
            checksum.verify(key, expected_size, expected_sha256)
            if upload_id is None:
                await self._put_object(key, bytes(buffer), expected_sha256, media_type)
            else:
                if buffer:
                    parts.append(await self._send_part(key, upload_id, len(parts) + 1, buffer))
                await self.complete_multipart(key, upload_id, parts)
        except BaseException:
            if upload_id is not None:
                await self._abort_quietly(key, upload_id)
            raise
        return StoredObject(key, checksum.size, checksum.sha256)

    async def _put_object(self, key: str, body: bytes, sha256: str, media_type: str | None) -> None:
        params: dict[str, Any] = {"Key": key, "Body": body}
        if media_type is not None:
            params["ContentType"] = media_type
        await self._call("put_object", key=key, **params, **self._checksum_params(sha256))

    async def _send_part(self, key: str, upload_id: str, number: int, data: bytearray) -> Part:
        answer = await self._call(
            "upload_part",
            key=key,
            upload_id=upload_id,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=bytes(data),
        )
        return Part(number, answer["ETag"])

    async def _abort_quietly(self, key: str, upload_id: str) -> None:
        with anyio.CancelScope(shield=True):
            # when even this fails, list_multipart_uploads shows the upload to the GC
            with contextlib.suppress(StorageError):
                await self.abort_multipart(key, upload_id)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        body = await self._body(key)
        try:
            while chunk := await self._run(functools.partial(body.read, CHUNK_SIZE), key=key):
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

        size = await self._run(download, key=key)
        return Copied(size, None if checksum is None else checksum.sha256)

    async def _body(self, key: str) -> Any:
        check_key(key)
        return (await self._call("get_object", key=key, Key=key))["Body"]

    async def stat(self, key: str) -> ObjectInfo | None:
        check_key(key)
        try:
            head = await self._call("head_object", key=key, Key=key, ChecksumMode="ENABLED")
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
        head = await self._call("head_object", key=key, Key=key)
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
            await self._call("copy_object", key=key, **params)
        except Unsupported:
            return False
        return True

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._call("delete_object", key=key, Key=key)

    async def digest(self, key: str) -> Digest:
        body = await self._body(key)
        checksum = Checksum()

        def read_chunk() -> int:
            chunk = body.read(CHUNK_SIZE)
            checksum.update(chunk)
            return len(chunk)

        try:
            while await self._run(read_chunk, key=key):
                pass
        finally:
            body.close()
        return Digest(checksum.size, checksum.sha256)

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        params: dict[str, Any] = {"Prefix": prefix}
        while True:
            page = await self._call("list_objects_v2", **params)
            for item in page.get("Contents", []):
                yield item["Key"]
            if not page.get("IsTruncated"):
                return
            params["ContinuationToken"] = page["NextContinuationToken"]

    # -- presigned URLs --------------------------------------------------------------------

    async def _presign(self, operation: str, params: dict[str, Any], expires: timedelta) -> str:
        if not timedelta(seconds=1) <= expires <= MAX_EXPIRY:
            raise ValueError("presigned URLs live between one second and seven days")
        sign = functools.partial(
            self._client.generate_presigned_url,
            operation,
            Params={"Bucket": self.bucket, **params},
            ExpiresIn=int(expires.total_seconds()),
        )
        url: str = await self._run(sign)
        return url

    async def presign_upload(
        self,
        key: str,
        *,
        size: int,
        sha256: str,
        expires: timedelta,
        media_type: str | None = None,
    ) -> UploadTicket:
        """Length, checksum and Content-Type are signed headers: a server that checks
        signatures (AWS, MinIO) refuses an upload without them or with other values, and
        one that keeps checksums refuses bytes whose SHA-256 differs."""
        check_key(key)
        check_size(size)
        check_sha256(sha256)
        params: dict[str, Any] = {"Key": key, "ContentLength": size}
        headers = {"Content-Length": str(size)}
        if media_type is not None:
            params["ContentType"] = headers["Content-Type"] = media_type
        checksum = self._checksum_params(sha256)
        if checksum:
            params.update(checksum)
            headers["x-amz-checksum-sha256"] = checksum["ChecksumSHA256"]
            headers["x-amz-sdk-checksum-algorithm"] = checksum["ChecksumAlgorithm"]
        url = await self._presign("put_object", params, expires)
        return UploadTicket(url, "PUT", headers, datetime.now(UTC) + expires)

    async def presign_download(
        self,
        key: str,
        *,
        expires: timedelta,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> str:
        check_key(key)
        params: dict[str, Any] = {"Key": key}
        if filename is not None:
            params["ResponseContentDisposition"] = content_disposition(filename)
        if media_type is not None:
            params["ResponseContentType"] = media_type
        return await self._presign("get_object", params, expires)

    # -- multipart -------------------------------------------------------------------------

    async def start_multipart(self, key: str, media_type: str | None = None) -> str:
        check_key(key)
        extra = {} if media_type is None else {"ContentType": media_type}
        answer = await self._call("create_multipart_upload", key=key, Key=key, **extra)
        upload_id: str = answer["UploadId"]
        return upload_id

    async def presign_part(
        self, key: str, upload_id: str, part_number: int, *, expires: timedelta
    ) -> str:
        check_key(key)
        check_part_number(part_number)
        params = {"Key": key, "UploadId": upload_id, "PartNumber": part_number}
        return await self._presign("upload_part", params, expires)

    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[Part]
    ) -> ObjectInfo:
        """The server checks the reported ETags against its parts (AWS, MinIO, moto answer
        ``InvalidPart``: ``PartsRejected``; s3rver checks none, so the caller's digest of
        the joined bytes is what decides)."""
        check_key(key)
        ordered = check_parts(parts)
        listed = [{"PartNumber": p.number, "ETag": p.etag} for p in ordered]
        await self._call(
            "complete_multipart_upload",
            key=key,
            upload_id=upload_id,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": listed},
        )
        info = await self.stat(key)
        if info is None:
            raise ObjectMissing(key)
        return info

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        """AbortMultipartUpload; on a server without it, the upload is finished with one
        empty part 1 (a completion frees every part it does not list) and the resulting
        empty object deleted: the parts are gone either way. (s3rver takes a part for an
        upload id it does not know, so aborting a finished upload there leaves one empty
        part file and then fails with ``StorageUnavailable``.)"""
        check_key(key)
        try:
            await self._call(
                "abort_multipart_upload", key=key, upload_id=upload_id, Key=key, UploadId=upload_id
            )
        except Unsupported:
            empty = await self._send_part(key, upload_id, 1, bytearray())
            await self._call(
                "complete_multipart_upload",
                key=key,
                upload_id=upload_id,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": empty.etag}]},
            )
            await self.delete(key)

    async def list_multipart_uploads(self) -> list[MultipartUpload]:
        uploads: list[MultipartUpload] = []
        params: dict[str, Any] = {}
        while True:
            page = await self._call("list_multipart_uploads", **params)
            for item in page.get("Uploads", []):
                uploads.append(
                    MultipartUpload(item["Key"], item["UploadId"], item.get("Initiated"))
                )
            if not page.get("IsTruncated"):
                return uploads
            params = {
                "KeyMarker": page["NextKeyMarker"],
                "UploadIdMarker": page["NextUploadIdMarker"],
            }

    async def aclose(self) -> None:
        await to_thread.run_sync(self._client.close)
