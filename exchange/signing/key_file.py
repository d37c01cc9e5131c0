"""The instance key's file, checked when the server starts and read when first used.

Loading the key imports ``cryptography`` (its Rust extension and OpenSSL: some 12 MiB of
resident memory, issue 15), which only signing, ``/.well-known/jwks.json``, OAI-PMH
resumption tokens and the sync commands need. So ``KeyFile.open`` creates the key when the
file is absent (as every start did), and otherwise checks without ``cryptography`` that the
file holds an unencrypted Ed25519 private key in the one form ``instance_key`` writes: a PEM
``PRIVATE KEY`` block whose DER is the 48-byte PKCS #8 ``PrivateKeyInfo`` of RFC 8410 §7.
Any other content is loaded at once by ``cryptography``, which raises as a start always did
(``ValueError`` for a key of another type, its own errors for a file it cannot read).
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# RFC 8410 §7: SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET
# STRING (32 bytes) } }; the 32 bytes of the key follow this prefix.
ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
ED25519_PKCS8_LENGTH = len(ED25519_PKCS8_PREFIX) + 32
BEGIN, END = "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"


def is_ed25519_pem(data: bytes) -> bool:
    """Whether ``data`` is the PEM of an unencrypted Ed25519 PKCS #8 private key (RFC 7468
    §10, RFC 8410 §7), as ``instance_key.load_or_create`` writes it."""
    try:
        lines = data.decode("ascii").strip().splitlines()
    except UnicodeDecodeError:
        return False
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        return False
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(der) == ED25519_PKCS8_LENGTH and der.startswith(ED25519_PKCS8_PREFIX)


class KeyFile:
    """The instance's private key at ``path``; ``key`` loads it on first use."""

    def __init__(self, path: Path, key: Ed25519PrivateKey | None = None) -> None:
        self.path = path
        self._key = key

    @classmethod
    def open(cls, path: Path) -> KeyFile:
        """Create the key when ``path`` is absent; load it now unless it is plainly an
        Ed25519 key (then on first use). Raises ``ValueError`` for another key type."""
        if path.exists() and is_ed25519_pem(path.read_bytes()):
            return cls(path)
        from exchange.signing import instance_key

        return cls(path, instance_key.load_or_create(path))

    @property
    def loaded(self) -> bool:
        return self._key is not None

    @property
    def key(self) -> Ed25519PrivateKey:
        if self._key is None:  # two threads may both load it: the same key, no harm
            from exchange.signing import instance_key

            self._key = instance_key.load_or_create(self.path)
        return self._key
