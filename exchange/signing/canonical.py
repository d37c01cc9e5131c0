"""Canonical JSON by RFC 8785 (JCS): the exact bytes that are hashed and signed."""

from __future__ import annotations

from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))
