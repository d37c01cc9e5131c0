"""A strict reader of one signed JSON document: every member named and typed, every field
error collected (``ValidationFailed`` lists them all), nothing coerced.

Times are RFC 3339 (§5.6) UTC strings ending in ``Z``; UUIDs only in their lowercase
hyphenated form (RFC 9562 §4), so each value has exactly one spelling.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from exchange.errors import FieldError, ValidationFailed
from exchange.messages import N_

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
MAX_TEXT = 2000

T = TypeVar("T")


class Reader:
    """Collects every field error of one document instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, code: str, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def raise_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def members(
        self, where: str, value: Any, required: set[str], optional: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        field = where or "document"
        if not isinstance(value, dict):
            self.fail(field, "invalid", "must be a JSON object")
            self.raise_errors()
        prefix = f"{where}." if where else ""
        for name in sorted(set(value) - required - optional):
            self.fail(prefix + name, "unknown", "is not a member of this statement")
        for name in sorted(required - set(value)):
            self.fail(prefix + name, "required", "is required")
        return dict(value)

    def text(self, field: str, value: Any, *, maximum: int = MAX_TEXT, empty: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(field, "invalid", "must be a string")
            return ""
        if not value.strip() and not empty:
            self.fail(field, "required", "must not be empty")
        elif len(value) > maximum:
            self.fail(field, "too_long", N_("at most {maximum} characters", maximum=maximum))
        return value

    def integer(self, field: str, value: Any, *, minimum: int, maximum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, "invalid", "must be an integer")
            return minimum
        if not minimum <= value <= maximum:
            self.fail(
                field,
                "out_of_range",
                N_(
                    "must be between {minimum} and {max_safe_integer}",
                    minimum=minimum,
                    max_safe_integer=maximum,
                ),
            )
        return value

    def uuid(self, field: str, value: Any) -> uuid.UUID:
        if isinstance(value, str):
            try:
                parsed = uuid.UUID(value)
            except ValueError:
                pass
            else:
                if str(parsed) == value:
                    return parsed
        self.fail(field, "invalid", "must be a UUID in its lowercase hyphenated form")
        return uuid.UUID(int=0)

    def time(self, field: str, value: Any) -> datetime:
        if isinstance(value, str) and TIMESTAMP.match(value):
            try:
                return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
            except ValueError:
                pass
        self.fail(field, "invalid", "must be an RFC 3339 UTC time ending in Z")
        return datetime.fromtimestamp(0, UTC)

    def array(
        self,
        field: str,
        value: Any,
        read: Callable[[str, Any], T],
        *,
        minimum: int = 0,
    ) -> list[T]:
        if not isinstance(value, list):
            self.fail(field, "invalid", "must be an array")
            return []
        if len(value) < minimum:
            self.fail(
                field, "required", N_("must hold at least {minimum} entries", minimum=minimum)
            )
        return [read(f"{field}[{index}]", entry) for index, entry in enumerate(value)]
