"""The errors of the storage layer. Every backend raises these and nothing else.

ExchangeError
 └── StorageError          any failure of the storage layer
      ├── StorageUnavailable   the server is down, times out or answers 5xx (after retries)
      ├── InvalidKey           a key outside the strict key grammar (e.g. path traversal)
      ├── ObjectMissing        no object under the key
      ├── UploadMissing        no multipart upload with that id (finished, aborted or unknown)
      ├── PartsRejected        complete_multipart was given parts the server does not have
      ├── IntegrityMismatch    the bytes differ from the declared size or SHA-256
      ├── Unsupported          the server lacks the call (NotImplemented, MethodNotAllowed)
      └── SignedUrlRejected    a local signed URL that must not be honoured
           ├── UploadExpired      its expiry has passed
           └── SignatureInvalid   its signature does not cover what was asked
"""

from __future__ import annotations

from exchange.errors import ExchangeError


class StorageError(ExchangeError):
    code = "storage_error"


class StorageUnavailable(StorageError):
    code = "storage_unavailable"


class InvalidKey(StorageError):
    code = "invalid_key"

    def __init__(self, key: str) -> None:
        super().__init__(f"invalid storage key {key!r}")
        self.key = key


class ObjectMissing(StorageError):
    """No object under ``key``; ``message`` says so for a person where the caller knows
    what was missing (the file of an upload not sent yet), else it names the key."""

    code = "object_missing"

    def __init__(self, key: str, message: str | None = None) -> None:
        super().__init__(message or f"no stored object {key!r}")
        self.key = key


class UploadMissing(StorageError):
    code = "upload_missing"

    def __init__(self, upload_id: str) -> None:
        super().__init__(f"no multipart upload {upload_id!r}")
        self.upload_id = upload_id


class PartsRejected(StorageError):
    code = "parts_rejected"


class IntegrityMismatch(StorageError):
    """The received or stored bytes are not the declared ones."""

    code = "integrity_mismatch"

    def __init__(
        self,
        key: str,
        *,
        expected_size: int | None = None,
        actual_size: int | None = None,
        expected_sha256: str | None = None,
        actual_sha256: str | None = None,
    ) -> None:
        what = "size" if expected_size != actual_size else "sha256"
        super().__init__(f"{key}: {what} differs from the declared one")
        self.key = key
        self.expected_size = expected_size
        self.actual_size = actual_size
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256


class Unsupported(StorageError):
    """The server does not implement ``operation`` (S3 ``NotImplemented`` or
    ``MethodNotAllowed``, e.g. s3rver's ListMultipartUploads and AbortMultipartUpload)."""

    code = "unsupported"

    def __init__(self, operation: str) -> None:
        super().__init__(f"the storage server does not support {operation}")
        self.operation = operation


class SignedUrlRejected(StorageError):
    code = "signed_url_rejected"


class UploadExpired(SignedUrlRejected):
    code = "url_expired"

    def __init__(self) -> None:
        super().__init__("the signed URL has expired")


class SignatureInvalid(SignedUrlRejected):
    code = "signature_invalid"

    def __init__(self) -> None:
        super().__init__("the signed URL's signature is invalid")
