"""Parsing of GraphQL IDs into domain ids."""

from __future__ import annotations

import uuid

import strawberry

from exchange.ids import parse_id


def to_uuid(value: strawberry.ID | str, field: str = "id") -> uuid.UUID:
    return parse_id(str(value), field)
