"""Canonical JSON by RFC 8785 (JCS): the exact bytes that are hashed and signed.

For the values this service hashes most (audit events: ASCII keys, strings, integers,
booleans, nulls) JCS output is exactly what ``json.dumps`` writes with sorted keys, no
whitespace and no ASCII escaping, so those take that fast path; anything else (floats,
non-ASCII keys, integers beyond 2^53) goes through the ``rfc8785`` implementation. A test
checks both paths agree.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_SAFE_INTEGER = 2**53 - 1


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    return False


def canonical_json(value: Any) -> bytes:
    if _plain(value):
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 refuse it properly
            pass
    return bytes(rfc8785.dumps(value))
