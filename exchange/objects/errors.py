"""Errors of digital objects (beside the storage errors, which pass through as they are).

ExchangeError
 └── UploadRejected      the stored bytes are not the declared ones; the object is rejected
"""

from __future__ import annotations

from exchange.errors import ExchangeError


class UploadRejected(ExchangeError):
    """Carried as a result, not raised: the rejection itself must be committed."""

    code = "upload_rejected"

    def __init__(self, object_id: str, reason: str) -> None:
        super().__init__(f"upload rejected: {reason}")
        self.object_id = object_id
        self.reason = reason
