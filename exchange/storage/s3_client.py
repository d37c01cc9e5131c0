"""Talking to an S3 server: the client's configuration, and what its failures mean.

``S3Config`` builds the boto3 client (short timeouts, bounded retries, SigV4); ``Bucket``
runs each call in a worker thread and ``translate`` maps every botocore failure onto the
storage error tree, so ``S3Storage`` raises nothing else. A call the server lacks
(``NotImplemented``, ``MethodNotAllowed``: s3rver has no ListMultipartUploads or
AbortMultipartUpload) becomes ``Unsupported``.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
from anyio import to_thread
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from exchange.storage.errors import (
    IntegrityMismatch,
    ObjectMissing,
    PartsRejected,
    StorageError,
    StorageUnavailable,
    Unsupported,
    UploadMissing,
)

_MISSING_CODES = {"NoSuchKey", "NotFound", "404"}
_PART_CODES = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}
_BUSY_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}
_UNSUPPORTED_CODES = {"NotImplemented", "MethodNotAllowed"}
_UNSUPPORTED_STATUS = {405, 501}


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
    checksums: bool = True  # send x-amz-checksum-sha256 (off for a server that refuses it)

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


class Bucket:
    """``config``'s bucket on ``client``: calls that block in a worker thread and raise
    only storage errors."""

    def __init__(self, config: S3Config, client: Any) -> None:
        self.config = config
        self.name = config.bucket
        self.client = client

    async def call(
        self, operation: str, *, key: str = "", upload_id: str = "", **params: Any
    ) -> Any:
        """The client's ``operation`` on this bucket; ``key`` and ``upload_id`` name the
        object and upload in the error raised."""
        method = functools.partial(getattr(self.client, operation), Bucket=self.name, **params)
        return await self.run(method, key=key, upload_id=upload_id, operation=operation)

    async def run(
        self, fn: Callable[[], Any], *, key: str = "", upload_id: str = "", operation: str = ""
    ) -> Any:
        """``fn()`` in a worker thread, its botocore failures translated."""
        try:
            return await to_thread.run_sync(fn)
        except (BotoCoreError, ClientError) as error:
            raise translate(error, key, upload_id, operation) from error

    def checksum_params(self, sha256: str) -> dict[str, str]:
        """The SHA-256 as S3's checksum; the algorithm is named too (the SDK's
        ``x-amz-sdk-checksum-algorithm``), which some servers (moto) need to keep it.
        Empty when ``config.checksums`` is off."""
        if not self.config.checksums:
            return {}
        value = base64.b64encode(bytes.fromhex(sha256)).decode()
        return {"ChecksumSHA256": value, "ChecksumAlgorithm": "SHA256"}


def hex_checksum(value: str | None) -> str | None:
    """The hex SHA-256 of a full-object ``x-amz-checksum-sha256`` (``None`` for a missing
    or composite one: a multipart checksum ends in ``-<parts>``)."""
    if not value or "-" in value:
        return None
    return base64.b64decode(value).hex()


def translate(
    error: BotoCoreError | ClientError, key: str, upload_id: str, operation: str = ""
) -> StorageError:
    """The storage error that a botocore failure stands for."""
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return StorageUnavailable(f"storage server unreachable: {type(error).__name__}")
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code in _UNSUPPORTED_CODES or status in _UNSUPPORTED_STATUS:
            return Unsupported(operation or "that call")
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
