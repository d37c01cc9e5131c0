"""Signing a manifest, and countersigning it on receipt.

The signed manifest is one JWS in the general JSON serialization (RFC 7515 section 7.2.1):

    {"payload": b64url(canonical manifest),
     "signatures": [{"protected": b64url({"alg": "Ed25519", "kid": ..., "signed_at": ...})},
                    {"protected": b64url({"alg": "Ed25519", "kid": ..., "signed_at": ...,
                                          "receipt": {receipt statement}})}]}

The receiver's countersignature sits beside the sender's and signs the *same payload*; its
receipt statement (manifest digest, received time, discrepancies) travels in its protected
header, which the signature covers. So one document holds both statements, adding the
countersignature leaves the sender's entry untouched, and any JOSE library verifies every
signature with the ordinary API: there is one payload, and each entry is a plain
Ed25519 signature over ``protected || "." || payload``. A library that checks header
names strictly (joserfc) must be told about ``signed_at`` and ``receipt``, and one that caps
header or payload sizes must be given room for large manifests.

``signed_at`` is the signer's claim of when it signed: verification refuses a key revoked
at or before that time.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange import clock
from exchange.errors import Conflict, ValidationFailed
from exchange.manifests.statement import Manifest, Receipt
from exchange.signing import jws
from exchange.signing.instance_key import key_id

SIGNED_AT = "signed_at"
RECEIPT = "receipt"
HEADER_MEMBERS = frozenset({"alg", "kid", SIGNED_AT, RECEIPT})


def sign(
    manifest: Manifest, key: Ed25519PrivateKey, *, signed_at: datetime | None = None
) -> dict[str, Any]:
    """The sender's signed manifest: a general JWS with one signature."""
    signer = jws.Signer(
        key,
        key_id(key.public_key()),
        {SIGNED_AT: clock.iso(signed_at or clock.now())},
    )
    return jws.sign(manifest.canonical(), [signer])


def signed_manifest(document: dict[str, Any]) -> Manifest:
    """The manifest a signed document carries (signatures not checked: see ``verify``)."""
    payload = document.get("payload") if isinstance(document, dict) else None
    if not isinstance(payload, str):
        raise ValidationFailed.single("payload", "invalid", "not a signed manifest")
    try:
        value = jws.parse_json_object(jws.strict_b64url_decode(payload))
    except ValueError:
        raise ValidationFailed.single("payload", "invalid", "not base64url JSON") from None
    return Manifest.from_json(value)


def countersign(
    document: dict[str, Any],
    receipt: Receipt,
    key: Ed25519PrivateKey,
    *,
    signed_at: datetime | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with the receiver's signature and receipt added beside the
    sender's. The receipt must name this manifest's digest and only its items; a document
    already countersigned is refused."""
    manifest = signed_manifest(document)
    receipt.check_against(manifest)
    signatures = document.get("signatures")
    if not isinstance(signatures, list):
        raise ValidationFailed.single("signatures", "invalid", "not a signed manifest")
    for entry in signatures:
        try:
            header = jws.parse_json_object(jws.strict_b64url_decode(entry["protected"]))
        except (ValueError, KeyError, TypeError):
            raise ValidationFailed.single(
                "signatures", "invalid", "a protected header is malformed"
            ) from None
        if isinstance(header, dict) and RECEIPT in header:
            raise Conflict("the manifest already carries a receipt")
    signer = jws.Signer(
        key,
        key_id(key.public_key()),
        {SIGNED_AT: clock.iso(signed_at or clock.now()), RECEIPT: receipt.to_json()},
    )
    result = copy.deepcopy(document)
    result["signatures"].append(jws.signature_entry(result["payload"], signer))
    return result
