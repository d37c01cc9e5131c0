"""JWS (RFC 7515) in the general JSON serialization, signed with Ed25519.

Only Ed25519 keys are accepted. ``alg`` is ``EdDSA`` (RFC 8037 section 3.1) when signing:
the name every JOSE library knows (authlib refuses ``Ed25519`` unless told; joserfc needs
either name allowed explicitly). ``Ed25519`` (RFC 9864) is accepted when verifying. Every
signature in the document must verify. A flattened JWS (RFC 7515 section 7.2.2) carries
one signature; ``sign_flattened`` and ``verify_flattened`` read and write it.
Verification is strict where lenient parsers open doors: base64url must be exact (no
padding, no stray characters), protected headers may not repeat a member, and ``crit``
extensions are refused because none is understood here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exchange.signing.canonical import canonical_json
from exchange.signing.instance_key import b64url, b64url_decode

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

ACCEPTED_ALGS = frozenset({"Ed25519", "EdDSA"})
EMITTED_ALG = "EdDSA"
BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class SignatureInvalid(Exception):
    """A JWS that does not verify; ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Signer:
    key: Ed25519PrivateKey
    kid: str
    extra: dict[str, Any] | None = None


def strict_b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing anything but its one canonical spelling."""
    if not BASE64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = b64url_decode(text)
    if b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate member {name!r}")
        result[name] = value
    return result


def parse_json_object(data: bytes) -> Any:
    """``json.loads`` that refuses duplicate member names (RFC 7515 section 5.2, step 4)."""
    return json.loads(data, object_pairs_hook=_unique_members)


def signature_entry(payload_b64: str, signer: Signer) -> dict[str, str]:
    header = {"alg": EMITTED_ALG, "kid": signer.kid, **(signer.extra or {})}
    protected = b64url(canonical_json(header))
    signature = signer.key.sign(f"{protected}.{payload_b64}".encode("ascii"))
    return {"protected": protected, "signature": b64url(signature)}


def sign(payload: bytes, signers: list[Signer]) -> dict[str, Any]:
    payload_b64 = b64url(payload)
    return {
        "payload": payload_b64,
        "signatures": [signature_entry(payload_b64, s) for s in signers],
    }


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    header: dict[str, Any]


KeyResolver = Callable[[str, dict[str, Any]], "Ed25519PublicKey"]


def verify(document: dict[str, Any], resolve: KeyResolver) -> tuple[bytes, list[VerifiedSignature]]:
    """Check every signature; return the payload and the verified protected headers.

    ``resolve(kid, header)`` returns the public key for a signature or raises
    ``SignatureInvalid`` (unknown kid, key revoked before the signing time, ...).
    """
    payload_b64 = document.get("payload")
    signatures = document.get("signatures")
    if not isinstance(payload_b64, str) or not isinstance(signatures, list) or not signatures:
        raise SignatureInvalid("not a JWS in the general JSON serialization")
    try:
        payload = strict_b64url_decode(payload_b64)
    except ValueError:
        raise SignatureInvalid("payload is not base64url") from None
    verified: list[VerifiedSignature] = []
    for index, entry in enumerate(signatures):
        if not isinstance(entry, dict) or not isinstance(entry.get("protected"), str):
            raise SignatureInvalid(f"signature {index}: no protected header")
        try:
            header = parse_json_object(strict_b64url_decode(entry["protected"]))
            signature = strict_b64url_decode(str(entry.get("signature", "")))
        except ValueError:
            raise SignatureInvalid(f"signature {index}: header or signature is malformed") from None
        if not isinstance(header, dict):
            raise SignatureInvalid(f"signature {index}: protected header is not an object")
        if "header" in entry:
            raise SignatureInvalid(
                f"signature {index}: unprotected header parameters are not accepted"
            )
        if "crit" in header:
            raise SignatureInvalid(
                f"signature {index}: critical header extensions are not accepted"
            )
        alg = header.get("alg")
        if alg not in ACCEPTED_ALGS:
            raise SignatureInvalid(f"signature {index}: algorithm {alg!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise SignatureInvalid(f"signature {index}: no kid")
        key = resolve(kid, header)
        from cryptography.exceptions import InvalidSignature

        try:
            key.verify(signature, f"{entry['protected']}.{payload_b64}".encode("ascii"))
        except InvalidSignature:
            raise SignatureInvalid(f"signature {index} (kid {kid}) does not verify") from None
        verified.append(VerifiedSignature(header))
    return payload, verified


def sign_flattened(payload: bytes, signer: Signer) -> dict[str, str]:
    """A flattened JWS: ``{"payload", "protected", "signature"}``."""
    payload_b64 = b64url(payload)
    return {"payload": payload_b64, **signature_entry(payload_b64, signer)}


def verify_flattened(document: Any, resolve: KeyResolver) -> tuple[bytes, VerifiedSignature]:
    """Check a flattened JWS; return its payload and verified protected header."""
    if not isinstance(document, dict) or "signatures" in document:
        raise SignatureInvalid("not a JWS in the flattened JSON serialization")
    entry = {k: v for k, v in document.items() if k != "payload"}
    payload, [signature] = verify(
        {"payload": document.get("payload"), "signatures": [entry]}, resolve
    )
    return payload, signature
