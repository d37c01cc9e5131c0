"""Argon2id password hashes, computed in a worker thread so the event loop never waits.

``argon2`` (and its cffi bindings) is imported at the first hash or check, not when the
server starts: only signing in and setting a password use it (issue 15).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import anyio.to_thread

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 12


@functools.cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2-cffi's defaults are Argon2id, RFC 9106 low-memory profile


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher().hash, password)


async def verify_password(stored_hash: str, password: str) -> bool:
    hasher = _hasher()

    def check() -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)
