"""Where the bytes of digital objects live: one interface, local disk and S3 behind it."""

from exchange.storage.base import (
    Digest,
    MultipartUpload,
    ObjectInfo,
    Part,
    Storage,
    StoredObject,
    UploadTicket,
)

__all__ = [
    "Digest",
    "MultipartUpload",
    "ObjectInfo",
    "Part",
    "Storage",
    "StoredObject",
    "UploadTicket",
]
