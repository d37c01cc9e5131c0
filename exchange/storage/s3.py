"""Objects in an S3-compatible bucket (AWS, MinIO, Ceph, Garage, moto) through boto3.

Every boto3 call runs in a worker thread, and every botocore failure is translated into
the storage error tree by ``_translate``. Retries are bounded and timeouts short, so a dead
server costs seconds, not minutes. Clients upload and download with presigned URLs; the
bytes pass through the application only in ``put``, ``open`` and ``digest``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import anyio
import boto3
from anyio import to_thread
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

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
    content_disposition,
)
from exchange.storage.errors import (
    IntegrityMismatch,
    ObjectMissing,
    PartsRejected,
    StorageError,
    StorageUnavailable,
    UploadMissing,
)
from exchange.storage.integrity import Checksum, check_sha256, check_size

COPY_CHUNK = 8 * 1024 * 1024  # bytes read from a download body at a time by copy_to
MAX_EXPIRY = timedelta(days=7)  # the longest a SigV4 presigned URL may live
_MISSING_CODES = {"NoSuchKey", "NotFound", "404"}
_PART_CODES = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}
_BUSY_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}


@dataclass(frozen=True, slots=True)
class S3Config:
    """Where the bucket is and how patiently to talk to it."""

    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    addressing_style: Literal["path", "virtual"] = "path"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3  # the first try included
    max_pool_connections: int = 16
    part_size: int = 8 * 1024 * 1024  # of the parts ``put`` sends; at least 5 MiB

    def client(self) -> Any:
        """A boto3 S3 client for this configuration (blocking: call once at start-up)."""
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": self.addressing_style},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"max_attempts": self.max_attempts, "mode": "standard"},
            max_pool_connections=self.max_pool_connections,
            # integrity is checked by the application with SHA-256, not by CRC32 trailers
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            region_name=self.region,
        )
        return session.client("s3", endpoint_url=self.endpoint_url, config=config)


class S3Storage(Storage):
    """One bucket. ``client`` may be given (tests); by default it is built from ``config``."""

    def __init__(self, config: S3Config, client: Any | None = None) -> None:
        if config.part_size < MIN_PART_SIZE:
            raise ValueError("part_size must be at least 5 MiB")
        self.config = config
        self.bucket = config.bucket
        self._client = client if client is not None else config.client()

    async def _call(
        self, operation: str, *, key: str = "", upload_id: str = "", **params: Any
    ) -> Any:
        method = functools.partial(getattr(self._client, operation), Bucket=self.bucket, **params)
        return await self._run(method, key=key, upload_id=upload_id)

    async def _run(self, fn: Callable[[], Any], *, key: str = "", upload_id: str = "") -> Any:
        try:
            return await to_thread.run_sync(fn)
        except (BotoCoreError, ClientError) as error:
            raise _translate(error, key, upload_id) from error

    # -- objects ---------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        expected_size: int,
        expected_sha256: str,
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
                        upload_id = await self.start_multipart(key)
                    parts.append(await self._send_part(key, upload_id, len(parts) + 1, buffer))
                    buffer = bytearray()
            checksum.verify(key, expected_size, expected_sha256)
            if upload_id is None:
                await self._call(
                    "put_object",
                    key=key,
                    Key=key,
                    Body=bytes(buffer),
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(expected_sha256)).decode(),
                )
            else:
                if buffer:
                    parts.append(await self._send_part(key, upload_id, len(parts) + 1, buffer))
                await self.complete_multipart(key, upload_id, parts)
        except BaseException:
            if upload_id is not None:
                await self._abort_quietly(key, upload_id)
            raise
        return StoredObject(key, checksum.size, checksum.sha256)

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
            head = await self._call("head_object", key=key, Key=key)
        except ObjectMissing:
            return None
        return ObjectInfo(key, int(head["ContentLength"]), head.get("LastModified"))

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
        self, key: str, *, size: int, sha256: str, expires: timedelta
    ) -> UploadTicket:
        check_key(key)
        check_size(size)
        check_sha256(sha256)
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        params = {"Key": key, "ContentLength": size, "ChecksumSHA256": checksum}
        url = await self._presign("put_object", params, expires)
        # both headers are signed: a strict server refuses any other length or content
        headers = {"Content-Length": str(size), "x-amz-checksum-sha256": checksum}
        return UploadTicket(url, "PUT", headers, datetime.now(UTC) + expires)

    async def presign_download(
        self, key: str, *, expires: timedelta, filename: str | None = None
    ) -> str:
        check_key(key)
        params: dict[str, Any] = {"Key": key}
        if filename is not None:
            params["ResponseContentDisposition"] = content_disposition(filename)
        return await self._presign("get_object", params, expires)

    # -- multipart -------------------------------------------------------------------------

    async def start_multipart(self, key: str) -> str:
        check_key(key)
        answer = await self._call("create_multipart_upload", key=key, Key=key)
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
        check_key(key)
        ordered = check_parts(parts)
        # S3 checks the parts itself; asking first also gives UploadMissing on servers that
        # answer a finished upload's completion with a 500 (moto does)
        held = await self._parts(key, upload_id)
        for part in ordered:
            if held.get(part.number) != part.etag.strip('"'):
                raise PartsRejected(f"part {part.number} with that ETag was not uploaded")
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

    async def _parts(self, key: str, upload_id: str) -> dict[int, str]:
        """Part number → ETag (unquoted) of every part the server holds for the upload."""
        held: dict[int, str] = {}
        params: dict[str, Any] = {"Key": key, "UploadId": upload_id}
        while True:
            page = await self._call("list_parts", key=key, upload_id=upload_id, **params)
            for item in page.get("Parts", []):
                held[int(item["PartNumber"])] = str(item["ETag"]).strip('"')
            if not page.get("IsTruncated"):
                return held
            params["PartNumberMarker"] = page["NextPartNumberMarker"]

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        check_key(key)
        await self._call(
            "abort_multipart_upload", key=key, upload_id=upload_id, Key=key, UploadId=upload_id
        )

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


def _translate(error: BotoCoreError | ClientError, key: str, upload_id: str) -> StorageError:
    """The storage error that a botocore failure stands for."""
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return StorageUnavailable(f"storage server unreachable: {type(error).__name__}")
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code == "NoSuchUpload":
            return UploadMissing(upload_id)
        if code in _MISSING_CODES:
            return ObjectMissing(key)
        if code in _PART_CODES:
            return PartsRejected(f"the server refused the parts: {code}")
        if code in {"BadDigest", "XAmzContentSHA256Mismatch"}:
            return IntegrityMismatch(key)
        if status >= 500 or code in _BUSY_CODES:
            return StorageUnavailable(f"storage server failed: {code or status}")
        return StorageError(f"storage server refused the request: {code or status}")
    return StorageError(f"storage client failed: {type(error).__name__}")
