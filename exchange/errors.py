"""The error tree of the domain. Adapters map it once each (GraphQL, pages, CLI).

Messages have one style: lower case at the start (names, codes and acronyms keep their
case: "a PRINT line needs a condition"), the subject first, no period at the end; the CLI
prints them after ``error: ``, GraphQL as ``message``. A field's message says what is
wrong with that field; a denial says who may, or which condition holds the action back.
Messages of other libraries (python-stdnum) pass through ``message_style``. A lookup of
one entity by id (``offer(id)``, ``shipment(id)``, ...) answers null for an id that does not
exist or is hidden from the caller, and an error only for a malformed id.

ExchangeError
 ├── NotFound            an entity does not exist (or the actor may not know it does)
 ├── PermissionDenied    the policy did not explicitly allow the action
 ├── Unauthenticated     a credential was given but is unknown, expired or revoked
 │    └── AccountDisabled  the credential is right, but an admin disabled the account
 ├── ValidationFailed    input is malformed; carries FieldError(field, code, message)s
 │    └── InvalidCursor    a page cursor (``after``) this service did not hand out
 ├── Conflict            the input is valid but clashes with existing state
 └── RateLimited         too many attempts from this address or for this account

Unavailable (not an ExchangeError: no handler of expected failures may swallow it)
    the database cannot be reached; every adapter answers "retry later" (HTTP 503)
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.messages import N_, Message, Ref


def message_style(text: str) -> str:
    """``text`` in the house style: "The number has an invalid length." becomes "the number
    has an invalid length" (an acronym at the start keeps its case)."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


class ExchangeError(Exception):
    """Base of every expected failure; its message is safe to show to the caller."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ExchangeError):
    code = "not_found"

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(N_("{record} not found", record=Ref(entity, entity_id, link=False)))
        self.entity = entity
        self.entity_id = str(entity_id)


class PermissionDenied(ExchangeError):
    """``reason`` names who may take the action, or the condition that holds it back
    (written beside each policy in ``policies/``)."""

    code = "permission_denied"

    def __init__(self, action: str, reason: str = "") -> None:
        super().__init__(
            N_("not allowed to {action}: {reason}", action=action, reason=reason)
            if reason
            else N_("not allowed to {action}", action=action)
        )
        self.action = action
        self.reason = reason


class Unauthenticated(ExchangeError):
    code = "unauthenticated"

    def __init__(self, message: str, field: str = "Authorization") -> None:
        super().__init__(message)
        self.field = field


class AccountDisabled(Unauthenticated):
    """The credential is right, but an admin disabled its account (said only after the
    password or token was checked, so it tells nothing to whoever does not hold it)."""

    code = "account_disabled"

    def __init__(self, field: str = "Authorization") -> None:
        super().__init__("this account is disabled", field)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    message: str


class ValidationFailed(ExchangeError):
    code = "validation_failed"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: str, code: str, message: str) -> ValidationFailed:
        return cls([FieldError(field, code, message)])


class InvalidCursor(ValidationFailed):
    """A page cursor (``after``) that this service did not hand out: tampered with,
    truncated, or copied from another list. Pages answer it with a way back to the first
    page; GraphQL as the field error ``after``/``invalid_cursor``."""

    def __init__(self) -> None:
        super().__init__(
            [FieldError("after", "invalid_cursor", "not a cursor returned by this API")]
        )


class Conflict(ExchangeError):
    code = "conflict"

    def __init__(self, message: str, existing_id: object | None = None) -> None:
        super().__init__(message)
        self.existing_id = None if existing_id is None else str(existing_id)


class InsufficientQuantity(Conflict):
    """An allocation asks more than an offer line has left, or than a request line needs."""

    code = "insufficient_quantity"

    def __init__(self, line: str, line_id: object, available: int) -> None:
        super().__init__(
            N_("only {available} left on the {line} line", available=available, line=Message(line)),
            line_id,
        )
        self.line = line
        self.available = available


class RateLimited(ExchangeError):
    """Too many attempts (sign-in, token look-up) in the current window; retry later."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(Exception):
    """The database cannot be reached (down, restarting, out of connections)."""

    code = "unavailable"

    def __init__(self, retry_after_seconds: int = 5) -> None:
        super().__init__("the database cannot be reached; retry later")
        self.message = str(self)
        self.retry_after_seconds = retry_after_seconds
