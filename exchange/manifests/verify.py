"""Verifying a signed manifest against a JWKS: offline, no database, no network.

A document passes only when every signature verifies with a published Ed25519 key that
was not revoked at or before the signature's ``signed_at``; the payload is the RFC 8785
canonical form of a valid manifest; exactly one signature (without a receipt) is the
sender's, by a key of the manifest's sender partner; and at most one carries a receipt,
by a key of the receiver partner, naming this manifest's digest. Anything else raises
``SignatureInvalid`` with a reason meant for people.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from exchange import clock
from exchange.errors import ValidationFailed
from exchange.keys.jwks import KeyRing
from exchange.manifests.signing import HEADER_MEMBERS, RECEIPT, SIGNED_AT
from exchange.manifests.statement import TIMESTAMP, Manifest, Receipt, manifest_digest
from exchange.signing import jws
from exchange.signing.canonical import canonical_json
from exchange.signing.jws import SignatureInvalid

__all__ = ["SignatureInvalid", "Signed", "VerifiedManifest", "verify"]


@dataclass(frozen=True, slots=True)
class Signed:
    """One verified signature: whose key, which algorithm name, and when it was signed."""

    kid: str
    partner_id: uuid.UUID
    alg: str
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class VerifiedManifest:
    manifest: Manifest
    digest: str
    sender: Signed
    receipt: Receipt | None = None
    receiver: Signed | None = None


def _signed_at(header: dict[str, Any]) -> datetime:
    value = header.get(SIGNED_AT)
    if isinstance(value, str) and TIMESTAMP.match(value):
        try:
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
        except ValueError:
            pass
    raise SignatureInvalid(f"key {header.get('kid')}: {SIGNED_AT} is missing or not a UTC time")


def verify(document: Any, ring: KeyRing) -> VerifiedManifest:
    """Check a signed manifest; see the module docstring for what passing means."""
    if not isinstance(document, dict):
        raise SignatureInvalid("not a JWS in the general JSON serialization")
    extra = sorted(set(document) - {"payload", "signatures"})
    if extra:
        raise SignatureInvalid(f"unexpected members beside the JWS: {', '.join(extra)}")

    def resolve(kid: str, header: dict[str, Any]) -> Ed25519PublicKey:
        unknown = sorted(set(header) - HEADER_MEMBERS)
        if unknown:
            raise SignatureInvalid(f"key {kid}: unexpected header members {', '.join(unknown)}")
        if kid in ring.refused:
            raise SignatureInvalid(f"key {kid} in the JWKS is not usable: {ring.refused[kid]}")
        key = ring.keys.get(kid)
        if key is None:
            raise SignatureInvalid(f"unknown kid {kid}: not in the JWKS")
        signed_at = _signed_at(header)
        if key.revoked_at is not None and key.revoked_at <= signed_at:
            raise SignatureInvalid(
                f"key {kid} was revoked at {clock.iso(key.revoked_at)}, "
                f"not after the signing time {header[SIGNED_AT]}"
            )
        return key.public_key

    payload, signatures = jws.verify(document, resolve)
    try:
        value = jws.parse_json_object(payload)
    except ValueError:
        raise SignatureInvalid("payload is not JSON") from None
    if canonical_json(value) != payload:
        raise SignatureInvalid("payload is not canonical JSON (RFC 8785)")
    try:
        manifest = Manifest.from_json(value)
    except ValidationFailed as error:
        raise SignatureInvalid(f"payload is not a valid manifest: {error.message}") from None
    digest = manifest_digest(payload)

    senders: list[Signed] = []
    receipts: list[tuple[Signed, Receipt]] = []
    for signature in signatures:
        header = signature.header
        key = ring.keys[header["kid"]]
        signed = Signed(key.kid, key.partner_id, header["alg"], _signed_at(header))
        if RECEIPT not in header:
            if key.partner_id != manifest.sender:
                raise SignatureInvalid(
                    f"key {key.kid} belongs to partner {key.partner_id}, "
                    f"not to the sender {manifest.sender}"
                )
            senders.append(signed)
            continue
        if key.partner_id != manifest.receiver:
            raise SignatureInvalid(
                f"receipt signed with key {key.kid} of partner {key.partner_id}, "
                f"not of the receiver {manifest.receiver}"
            )
        try:
            receipt = Receipt.from_json(header[RECEIPT])
            receipt.check_against(manifest)
        except ValidationFailed as error:
            raise SignatureInvalid(f"receipt is not valid: {error.message}") from None
        receipts.append((signed, receipt))
    if len(senders) != 1:
        raise SignatureInvalid(f"expected one sender signature, found {len(senders)}")
    if len(receipts) > 1:
        raise SignatureInvalid(f"expected at most one receipt, found {len(receipts)}")
    if not receipts:
        return VerifiedManifest(manifest, digest, senders[0])
    receiver, receipt = receipts[0]
    return VerifiedManifest(manifest, digest, senders[0], receipt, receiver)
