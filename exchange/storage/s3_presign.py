"""Presigned S3 URLs (SigV4, signed by boto3 without a round trip) for clients that send
or fetch the bytes themselves: a whole upload, one multipart part, a download."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from exchange.storage.base import UploadTicket, check_key, check_part_number, content_disposition
from exchange.storage.integrity import check_sha256, check_size
from exchange.storage.s3_client import Bucket

MAX_EXPIRY = timedelta(days=7)  # the longest a SigV4 presigned URL may live


async def presign(
    bucket: Bucket, operation: str, params: dict[str, Any], expires: timedelta
) -> str:
    """A URL for the client's ``operation`` with ``params`` on ``bucket``; ``ValueError``
    unless ``expires`` is between one second and seven days (SigV4's limit)."""
    if not timedelta(seconds=1) <= expires <= MAX_EXPIRY:
        raise ValueError("presigned URLs live between one second and seven days")
    sign = functools.partial(
        bucket.client.generate_presigned_url,
        operation,
        Params={"Bucket": bucket.name, **params},
        ExpiresIn=int(expires.total_seconds()),
    )
    url: str = await bucket.run(sign)
    return url


async def upload_ticket(
    bucket: Bucket,
    key: str,
    *,
    size: int,
    sha256: str,
    expires: timedelta,
    media_type: str | None = None,
) -> UploadTicket:
    """A PutObject URL. Length, checksum and Content-Type are signed headers: a server
    that checks signatures (AWS, MinIO) refuses an upload without them or with other
    values, and one that keeps checksums refuses bytes whose SHA-256 differs."""
    check_key(key)
    check_size(size)
    check_sha256(sha256)
    params: dict[str, Any] = {"Key": key, "ContentLength": size}
    headers = {"Content-Length": str(size)}
    if media_type is not None:
        params["ContentType"] = headers["Content-Type"] = media_type
    checksum = bucket.checksum_params(sha256)
    if checksum:
        params.update(checksum)
        headers["x-amz-checksum-sha256"] = checksum["ChecksumSHA256"]
        headers["x-amz-sdk-checksum-algorithm"] = checksum["ChecksumAlgorithm"]
    url = await presign(bucket, "put_object", params, expires)
    return UploadTicket(url, "PUT", headers, datetime.now(UTC) + expires)


async def download_url(
    bucket: Bucket,
    key: str,
    *,
    expires: timedelta,
    filename: str | None = None,
    media_type: str | None = None,
) -> str:
    """A GetObject URL whose response names ``filename`` (Content-Disposition) and
    ``media_type`` (Content-Type) when given."""
    check_key(key)
    params: dict[str, Any] = {"Key": key}
    if filename is not None:
        params["ResponseContentDisposition"] = content_disposition(filename)
    if media_type is not None:
        params["ResponseContentType"] = media_type
    return await presign(bucket, "get_object", params, expires)


async def part_url(
    bucket: Bucket, key: str, upload_id: str, part_number: int, *, expires: timedelta
) -> str:
    """An UploadPart URL for part ``part_number`` (1 to 10,000) of ``upload_id``."""
    check_key(key)
    check_part_number(part_number)
    params = {"Key": key, "UploadId": upload_id, "PartNumber": part_number}
    return await presign(bucket, "upload_part", params, expires)
