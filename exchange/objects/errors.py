"""Errors of digital objects (beside the storage errors, which pass through as they are).

ExchangeError
 ├── UploadRejected      the stored bytes are not the declared ones; the object is rejected
 └── Conflict
      └── ObjectDamaged  the last fixity check found the bytes changed or missing: not served
"""

from __future__ import annotations

import uuid

from exchange.errors import Conflict, ExchangeError
from exchange.messages import N_


class ObjectDamaged(Conflict):
    """No URL is issued for an object whose last fixity check failed, until a fixity
    check (``exchange fixity check``) finds its bytes whole again."""

    code = "object_damaged"

    def __init__(self, object_id: uuid.UUID, fixity_status: str) -> None:
        super().__init__(
            N_(
                "the object failed its fixity check ({status}) and is not served until"
                " it is repaired and re-verified",
                status=fixity_status,
            ),
            object_id,
        )
        self.fixity_status = fixity_status


class UploadRejected(ExchangeError):
    """Carried as a result, not raised: the rejection itself must be committed."""

    code = "upload_rejected"

    def __init__(self, object_id: str, reason: str) -> None:
        super().__init__(N_("upload rejected: {reason}", reason=reason))
        self.object_id = object_id
        self.reason = reason
