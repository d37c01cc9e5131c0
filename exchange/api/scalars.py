"""Parsing of GraphQL IDs into domain ids, and the schema's own ``DateTime`` scalar."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError

from exchange.ids import parse_id

DATE_TIME_FORM = 'an ISO 8601 date and time with its offset, e.g. "2026-05-01T09:30:00Z"'


def to_uuid(value: strawberry.ID | str, field: str = "id") -> uuid.UUID:
    return parse_id(str(value), field)


def to_optional_uuid(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    return None if value is None else to_uuid(value, field)


def parse_date_time(value: object) -> datetime:
    """An instant from a variable or a literal (ISO 8601, as RFC 3339 §5.6 profiles it).
    Raises ``StrawberryInputCoercionError`` naming the form expected, never the parser's
    own words (Strawberry's scalar told ``invalid literal for int() with base 10``)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    shown = value if isinstance(value, str | int | float | bool) else type(value).__name__
    raise StrawberryInputCoercionError(f'"{shown}" is not a DateTime: give {DATE_TIME_FORM}.')


DATE_TIME = strawberry.scalar(
    name="DateTime",
    serialize=datetime.isoformat,
    parse_value=parse_date_time,
    description=f"An instant: {DATE_TIME_FORM} (RFC 3339 §5.6); answers use the same form.",
)
