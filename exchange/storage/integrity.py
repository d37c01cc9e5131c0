"""Size and SHA-256 of a byte stream, counted as it passes, checked against a declaration."""

from __future__ import annotations

import hashlib
import re

from exchange.errors import ValidationFailed
from exchange.storage.errors import IntegrityMismatch

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def check_sha256(value: str, field: str = "sha256") -> str:
    """A lowercase hex SHA-256, or ``ValidationFailed``."""
    if not SHA256_HEX.fullmatch(value):
        raise ValidationFailed.single(field, "invalid", "sha256 must be 64 lowercase hex digits")
    return value


def check_size(value: int, field: str = "size") -> int:
    if value < 0:
        raise ValidationFailed.single(field, "invalid", "size must not be negative")
    return value


class Checksum:
    """Running size and SHA-256 of the bytes given to ``update``."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, chunk: bytes | memoryview) -> None:
        """Count ``chunk``: bytes, or a view of them (one byte an item, as ``readinto``
        fills)."""
        self._hash.update(chunk)
        self.size += len(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def verify(self, key: str, expected_size: int, expected_sha256: str) -> None:
        """Raise ``IntegrityMismatch`` unless the bytes seen are exactly the declared ones."""
        actual = self.sha256
        if self.size != expected_size or actual != expected_sha256:
            raise IntegrityMismatch(
                key,
                expected_size=expected_size,
                actual_size=self.size,
                expected_sha256=expected_sha256,
                actual_sha256=actual,
            )

    def guard(self, key: str, expected_size: int) -> None:
        """Raise ``IntegrityMismatch`` as soon as more bytes arrive than were declared."""
        if self.size > expected_size:
            raise IntegrityMismatch(key, expected_size=expected_size, actual_size=self.size)
