"""Reading and writing key files: PEM private keys (optionally passphrase-encrypted), and
public keys given as PEM or as a JWK."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from exchange.errors import ValidationFailed
from exchange.signing import jws
from exchange.signing.instance_key import b64url, key_id, raw_public
from exchange.signing.small_order import has_small_order

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


def private_pem(key: Ed25519PrivateKey, passphrase: bytes | None) -> bytes:
    from cryptography.hazmat.primitives import serialization

    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private(pem: bytes, passphrase: bytes | None) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem, password=passphrase or None)
    except TypeError:
        raise ValidationFailed.single(
            "passphrase", "invalid", "the key is encrypted: give its passphrase"
        ) from None
    except ValueError:
        raise ValidationFailed.single(
            "key", "invalid", "not a PEM private key, or the passphrase is wrong"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationFailed.single("key", "invalid", "not an Ed25519 private key")
    return key


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(raw_public(key)),
        "kid": key_id(key),
        "use": "sig",
    }


def load_public(data: bytes) -> Ed25519PublicKey:
    """A public key from a PEM file or a JWK (``{"kty": "OKP", "crv": "Ed25519", "x"}``).
    ``ValidationFailed`` on ``public_key``: not such a key, or one of small order."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text = data.strip()
    if text.startswith(b"{"):
        try:
            jwk = json.loads(text)
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
                raise ValueError("not a public OKP Ed25519 JWK")
            given = Ed25519PublicKey.from_public_bytes(jws.strict_b64url_decode(jwk["x"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValidationFailed.single(
                "public_key", "invalid", "not a public Ed25519 JWK"
            ) from None
        return _signing(given)
    try:
        key = serialization.load_pem_public_key(text)
    except ValueError:
        raise ValidationFailed.single(
            "public_key", "invalid", "not a PEM public key or a JWK"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationFailed.single("public_key", "invalid", "not an Ed25519 public key")
    return _signing(key)


def _signing(key: Ed25519PublicKey) -> Ed25519PublicKey:
    """``key``, unless it is of small order (``exchange.signing.small_order``: anyone
    could sign as it); ``ValidationFailed`` on ``public_key`` then."""
    if has_small_order(raw_public(key)):
        raise ValidationFailed.single(
            "public_key", "weak", "this key signs nothing: anyone could sign as it"
        )
    return key
