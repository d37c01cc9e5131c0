"""Custodial private keys, encrypted at rest with AES-256-GCM.

The key-encryption key comes from ``EXCHANGE_KEY_ENCRYPTION_KEY`` (32 bytes, base64).
Each private key is sealed with a fresh 96-bit nonce, and the key's kid and partner are
bound in as associated data, so a sealed key copied onto another row does not open.
Stored form: ``nonce || ciphertext || tag``.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

from exchange.errors import Conflict
from exchange.messages import N_

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
DISABLED = N_("custodial keys are disabled: EXCHANGE_KEY_ENCRYPTION_KEY is not set")


class Custody:
    """Seals and opens custodial private keys; without a key-encryption key it refuses."""

    def __init__(self, key_encryption_key: bytes | None) -> None:
        if key_encryption_key is not None and len(key_encryption_key) != 32:
            raise ValueError("the key-encryption key must be 32 bytes")
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = None if key_encryption_key is None else AESGCM(key_encryption_key)

    @property
    def enabled(self) -> bool:
        return self._aead is not None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            raise Conflict(DISABLED)
        return self._aead

    @staticmethod
    def _context(kid: str, partner_id: uuid.UUID) -> bytes:
        return f"scholarly-exchange/custodial-key/v1|{partner_id}|{kid}".encode("ascii")

    def seal(self, key: Ed25519PrivateKey, kid: str, partner_id: uuid.UUID) -> bytes:
        from cryptography.hazmat.primitives import serialization

        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._cipher().encrypt(nonce, raw, self._context(kid, partner_id))

    def open(self, sealed: bytes, kid: str, partner_id: uuid.UUID) -> Ed25519PrivateKey:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        cipher = self._cipher()
        try:
            raw = cipher.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._context(kid, partner_id)
            )
        except InvalidTag:
            raise Conflict(
                N_(
                    "custodial key {kid} does not open with the configured key-encryption key",
                    kid=kid,
                )
            ) from None
        return Ed25519PrivateKey.from_private_bytes(raw)
