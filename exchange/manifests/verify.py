"""Verifying a signed manifest against a JWKS: offline, no database, no network.

A document (shape in ``signing``) passes only when every signature verifies with a
published Ed25519 key that was not revoked at or before the signature's ``signed_at``; the
payload is the RFC 8785 canonical form of a valid manifest; it has exactly one signature,
the sender's, by a key of the manifest's sender partner; and its ``receipt``, when there is
one, is a flattened JWS whose payload is the canonical form of a valid receipt naming this
manifest's digest, signed by a key of the receiver partner. Anything else raises
``SignatureInvalid`` with a reason meant for people.

Documents countersigned before the receipt became its own JWS carry it in the protected
header of a second entry of ``signatures``; signed evidence cannot be re-issued, so that
form is still read (never written).

A key from a plain RFC 7517 JWKS may not say whose it is (no ``partner_id``). Then the
signature is checked all the same, but whether the key belongs to the sender (or the
receiver) cannot be: ``verify`` refuses it, naming the missing member, unless the caller
passes ``bind_partners=False`` (``manifest verify`` does, and says so; the user vouches
for such keys by pinning them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from exchange import clock
from exchange.errors import ValidationFailed
from exchange.keys.jwks import KeyRing
from exchange.manifests.reader import TIMESTAMP
from exchange.manifests.signing import HEADER_MEMBERS, RECEIPT, SIGNED_AT
from exchange.manifests.statement import Manifest, Receipt, manifest_digest
from exchange.signing import jws
from exchange.signing.canonical import canonical_json
from exchange.signing.jws import SignatureInvalid

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["SignatureInvalid", "Signed", "VerifiedManifest", "verify"]


@dataclass(frozen=True, slots=True)
class Signed:
    """One verified signature: whose key, which algorithm name, and when it was signed."""

    kid: str
    partner_id: uuid.UUID | None  # None: the JWKS did not bind the key to a partner
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


def verify(document: Any, ring: KeyRing, *, bind_partners: bool = True) -> VerifiedManifest:
    """Check a signed manifest; see the module docstring for what passing means."""
    if not isinstance(document, dict):
        raise SignatureInvalid("not a JWS in the general JSON serialization")
    extra = sorted(set(document) - {"payload", "signatures", RECEIPT})
    if extra:
        raise SignatureInvalid(f"unexpected members beside the JWS: {', '.join(extra)}")

    signatures = document.get("signatures")
    legacy = RECEIPT not in document and _legacy_receipt(signatures)
    allowed = HEADER_MEMBERS | {RECEIPT} if legacy else HEADER_MEMBERS

    def resolve(kid: str, header: dict[str, Any]) -> Ed25519PublicKey:
        unknown = sorted(set(header) - allowed)
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

    if isinstance(signatures, list) and len(signatures) != (2 if legacy else 1):
        raise SignatureInvalid(
            f"expected one signature (the sender's), found {len(signatures)}: "
            "the receiver's is in the receipt"
        )
    payload, verified = jws.verify(
        {"payload": document.get("payload"), "signatures": signatures}, resolve
    )
    signature = verified[0]
    if RECEIPT in signature.header:
        raise SignatureInvalid("the sender's signature carries a receipt")
    try:
        manifest = Manifest.from_json(_canonical(payload, "payload"))
    except ValidationFailed as error:
        raise SignatureInvalid(f"payload is not a valid manifest: {error.message}") from None
    digest = manifest_digest(payload)

    def signed_by(header: dict[str, Any], role: str) -> Signed:
        key = ring.keys[header["kid"]]
        partner = getattr(manifest, role)
        if key.partner_id is None and bind_partners:
            raise SignatureInvalid(
                f"key {key.kid} in the JWKS has no partner_id: needed to check that it is "
                f"the {role}'s ({partner})"
            )
        if key.partner_id not in (partner, None):
            raise SignatureInvalid(
                f"{'receipt' if role == 'receiver' else 'manifest'} signed with key "
                f"{key.kid} of partner {key.partner_id}, not of the {role} {partner}"
            )
        return Signed(key.kid, key.partner_id, header["alg"], _signed_at(header))

    sender = signed_by(signature.header, "sender")
    if legacy:
        receipt_header = verified[1].header
        receipt_value = receipt_header[RECEIPT]
    elif RECEIPT in document:
        receipt_payload, receipt_signature = jws.verify_flattened(document[RECEIPT], resolve)
        receipt_header = receipt_signature.header
        receipt_value = _canonical(receipt_payload, "receipt payload")
    else:
        return VerifiedManifest(manifest, digest, sender)
    try:
        receipt = Receipt.from_json(receipt_value)
        receipt.check_against(manifest)
    except ValidationFailed as error:
        raise SignatureInvalid(f"receipt is not valid: {error.message}") from None
    receiver = signed_by(receipt_header, "receiver")
    return VerifiedManifest(manifest, digest, sender, receipt, receiver)


def _canonical(payload: bytes, what: str) -> Any:
    """The JSON value of a payload that must be in RFC 8785 canonical form."""
    try:
        value = jws.parse_json_object(payload)
    except ValueError:
        raise SignatureInvalid(f"{what} is not JSON") from None
    if canonical_json(value) != payload:
        raise SignatureInvalid(f"{what} is not canonical JSON (RFC 8785)")
    return value


def _legacy_receipt(signatures: Any) -> bool:
    """Whether ``signatures`` is the earlier form: the sender's entry, then the receiver's
    whose protected header holds the receipt."""
    if not isinstance(signatures, list) or len(signatures) != 2:
        return False
    entry = signatures[1]
    try:
        header = jws.parse_json_object(jws.strict_b64url_decode(entry["protected"]))
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(header, dict) and RECEIPT in header
