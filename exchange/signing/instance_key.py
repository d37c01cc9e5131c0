"""The instance's own Ed25519 key, created on first start and kept in the data directory.

It signs audit checkpoints. Its public half is published beside the partners' keys (in
``/.well-known/jwks.json`` and ``exchange keys export-jwks``) as a JWK whose ``kid`` is
``instance:`` followed by its RFC 7638 thumbprint, so that anyone can check a checkpoint
offline and no one mistakes it for a partner's key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint of the public key."""
    from exchange.signing.canonical import canonical_json

    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw_public(key))}
    return b64url(hashlib.sha256(canonical_json(jwk)).digest())


INSTANCE_KID_PREFIX = "instance:"


def instance_kid(key: Ed25519PublicKey) -> str:
    """The kid the instance key signs and is published under: ``instance:<thumbprint>``."""
    return INSTANCE_KID_PREFIX + key_id(key)


def instance_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The instance's public key as a JWK (RFC 7517, RFC 8037)."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(raw_public(key)),
        "kid": instance_kid(key),
        "use": "sig",
        "alg": "EdDSA",
    }


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """Read the PEM private key at ``path``, creating it (mode 0600) when absent."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(tmp, path)
    return key
