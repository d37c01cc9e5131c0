"""Application URLs signed with HMAC-SHA256, for backends that have no presigning server.

A signed URL carries its parameters in the query string plus ``expires`` (Unix seconds)
and ``sig``. The signature covers the method, the key and every other query parameter,
so none can be added, dropped or changed; an expired URL is refused even when its
signature is good.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from exchange import clock
from exchange.storage.errors import SignatureInvalid, UploadExpired

VERSION = "exchange-storage-url-v1"
SIGNATURE = "sig"
EXPIRES = "expires"
MIN_KEY_BYTES = 32


class UrlSigner:
    """Signs and verifies (method, key, parameters, expiry) with one secret key."""

    def __init__(self, secret: bytes, now: Callable[[], datetime] = clock.now) -> None:
        if len(secret) < MIN_KEY_BYTES:
            raise ValueError(f"a URL signing key needs at least {MIN_KEY_BYTES} bytes")
        self._secret = secret
        self._now = now

    def sign(
        self, method: str, key: str, params: Mapping[str, str], expires: timedelta
    ) -> dict[str, str]:
        """``params`` with ``expires`` and ``sig`` added, ready for a query string."""
        expiry = int((self._now() + expires).timestamp())
        signed = {**params, EXPIRES: str(expiry)}
        return {**signed, SIGNATURE: self._mac(method, key, signed)}

    def verify(self, method: str, key: str, query: Mapping[str, str]) -> dict[str, str]:
        """The signed parameters of ``query`` (without ``sig``), or a ``SignedUrlRejected``."""
        params = {name: value for name, value in query.items() if name != SIGNATURE}
        given = query.get(SIGNATURE, "")
        if not hmac.compare_digest(given.encode(), self._mac(method, key, params).encode()):
            raise SignatureInvalid()
        try:
            expiry = int(params[EXPIRES])
        except (KeyError, ValueError):
            raise SignatureInvalid() from None
        if self._now().timestamp() >= expiry:
            raise UploadExpired()
        return params

    def _mac(self, method: str, key: str, params: Mapping[str, str]) -> str:
        # urlencode escapes "&", "=" and newlines, so the message has one reading only.
        message = "\n".join((VERSION, method.upper(), key, urlencode(sorted(params.items()))))
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()


def load_or_create_key(path: Path) -> bytes:
    """The secret in ``path``, creating a random one (mode 0600) on first use."""
    if path.exists():
        return bytes.fromhex(path.read_text("ascii").strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        # link, not replace: when two processes start at once, the first key wins.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return bytes.fromhex(path.read_text("ascii").strip())
