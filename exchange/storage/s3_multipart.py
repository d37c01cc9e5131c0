"""S3 multipart uploads, with only the calls that the common servers share.

Completion takes the parts and ETags the client reports (no ListParts); a server without
AbortMultipartUpload (s3rver) gets the same effect from one empty part, a completion and
a delete.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import anyio

from exchange.storage.base import MultipartUpload, Part, check_key, check_parts
from exchange.storage.errors import StorageError, Unsupported
from exchange.storage.s3_client import Bucket


async def start(bucket: Bucket, key: str, media_type: str | None = None) -> str:
    """CreateMultipartUpload; the upload id the server gave."""
    check_key(key)
    extra = {} if media_type is None else {"ContentType": media_type}
    answer = await bucket.call("create_multipart_upload", key=key, Key=key, **extra)
    upload_id: str = answer["UploadId"]
    return upload_id


async def send_part(bucket: Bucket, key: str, upload_id: str, number: int, data: bytearray) -> Part:
    """UploadPart of ``data`` as part ``number``; the part with the ETag the server gave."""
    answer = await bucket.call(
        "upload_part",
        key=key,
        upload_id=upload_id,
        Key=key,
        UploadId=upload_id,
        PartNumber=number,
        Body=bytes(data),
    )
    return Part(number, answer["ETag"])


async def complete(bucket: Bucket, key: str, upload_id: str, parts: Sequence[Part]) -> None:
    """CompleteMultipartUpload. The server checks the reported ETags against its parts
    (AWS, MinIO, moto answer ``InvalidPart``: ``PartsRejected``; s3rver checks none, so
    the caller's digest of the joined bytes is what decides)."""
    check_key(key)
    ordered = check_parts(parts)
    listed = [{"PartNumber": p.number, "ETag": p.etag} for p in ordered]
    await bucket.call(
        "complete_multipart_upload",
        key=key,
        upload_id=upload_id,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={"Parts": listed},
    )


async def abort(bucket: Bucket, key: str, upload_id: str) -> None:
    """AbortMultipartUpload; on a server without it, the upload is finished with one
    empty part 1 (a completion frees every part it does not list) and the resulting
    empty object deleted: the parts are gone either way. (s3rver takes a part for an
    upload id it does not know, so aborting a finished upload there leaves one empty
    part file and then fails with ``StorageUnavailable``.)"""
    check_key(key)
    try:
        await bucket.call(
            "abort_multipart_upload", key=key, upload_id=upload_id, Key=key, UploadId=upload_id
        )
    except Unsupported:
        empty = await send_part(bucket, key, upload_id, 1, bytearray())
        await bucket.call(
            "complete_multipart_upload",
            key=key,
            upload_id=upload_id,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": empty.etag}]},
        )
        await bucket.call("delete_object", key=key, Key=key)


async def abort_quietly(bucket: Bucket, key: str, upload_id: str) -> None:
    """``abort``, shielded from cancellation, its storage errors swallowed."""
    with anyio.CancelScope(shield=True):
        # when even this fails, list_multipart_uploads shows the upload to the GC
        with contextlib.suppress(StorageError):
            await abort(bucket, key, upload_id)


async def uploads(bucket: Bucket) -> list[MultipartUpload]:
    """ListMultipartUploads, every page (``Unsupported`` on s3rver)."""
    found: list[MultipartUpload] = []
    params: dict[str, Any] = {}
    while True:
        page = await bucket.call("list_multipart_uploads", **params)
        for item in page.get("Uploads", []):
            found.append(MultipartUpload(item["Key"], item["UploadId"], item.get("Initiated")))
        if not page.get("IsTruncated"):
            return found
        params = {
            "KeyMarker": page["NextKeyMarker"],
            "UploadIdMarker": page["NextUploadIdMarker"],
        }
