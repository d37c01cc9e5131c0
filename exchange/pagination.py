"""Keyset (cursor) pagination over time-ordered ids."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from exchange.errors import InvalidCursor, ValidationFailed
from exchange.messages import N_

T = TypeVar("T")

DEFAULT_PAGE = 20
MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: uuid.UUID | None

    @classmethod
    def parse(cls, first: int | None, after: str | None) -> PageRequest:
        size = DEFAULT_PAGE if first is None else first
        if not 1 <= size <= MAX_PAGE:
            raise ValidationFailed.single(
                "first",
                "out_of_range",
                N_("first must be between 1 and {max_page}", max_page=MAX_PAGE),
            )
        return cls(size, None if after is None else decode_cursor(after))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    has_next: bool

    @classmethod
    def from_rows(cls, rows: Sequence[T], request: PageRequest) -> Page[T]:
        """``rows`` was fetched with ``limit(first + 1)``: the extra row says there is more."""
        return cls(rows[: request.first], len(rows) > request.first)


def encode_cursor(entity_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(entity_id.bytes).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> uuid.UUID:
    """The id ``encode_cursor`` wrote into ``cursor``; ``InvalidCursor`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, binascii.Error):
        raise InvalidCursor() from None
