"""Shipment failures.

Conflict
 ├── IllegalTransition     the action cannot be taken from the current state
 ├── SigningUnavailable    the manifest cannot be signed with a partner's custodial key
 └── FixityFailed          an object's last fixity check failed: it is not exported
ValidationFailed
 └── BagRejected           a BagIt bag is incomplete or altered (names the file)
"""

from __future__ import annotations

from exchange.errors import Conflict, FieldError, ValidationFailed
from exchange.messages import N_


class IllegalTransition(Conflict):
    """Names the current state and the actions its row of the table allows."""

    code = "illegal_transition"

    def __init__(
        self, action: str, state: str, allowed: tuple[str, ...], shipment_id: object
    ) -> None:
        names = ", ".join(allowed) or N_("none")
        super().__init__(
            N_(
                "cannot {action}: the shipment's state is {state}; allowed: {names}",
                action=action,
                state=state,
                names=names,
            ),
            shipment_id,
        )
        self.action = action
        self.state = state
        self.allowed = allowed


class SigningUnavailable(Conflict):
    """No key-encryption key is configured, or the partner holds no custodial key."""

    code = "signing_unavailable"

    def __init__(self, message: str, partner_id: object) -> None:
        super().__init__(message, partner_id)
        self.partner_id = str(partner_id)


class FixityFailed(Conflict):
    """The last fixity check of an object found its stored bytes changed or missing, so
    the recorded SHA-256 can no longer stand for them; names the object."""

    code = "fixity_failed"

    def __init__(self, object_id: object, filename: str, status: str) -> None:
        super().__init__(
            N_(
                "object {object} ({filename}) failed its last fixity check ({status}); "
                "it is not exported until it is repaired and checked again",
                object=object_id,
                filename=filename,
                status=status,
            ),
            object_id,
        )
        self.object_id = str(object_id)
        self.status = status


class BagRejected(ValidationFailed):
    """A BagIt bag that is incomplete, altered, or does not match its signed manifest;
    ``file`` names the offending file (relative to the bag)."""

    code = "bag_rejected"

    def __init__(self, file: str, reason: str) -> None:
        super().__init__([FieldError(file, "bag_rejected", reason)])
        self.file = file
        self.reason = reason
