"""Signing a manifest, and countersigning it on receipt.

The signed manifest is a JWS in the general JSON serialization (RFC 7515 section 7.2.1)
with one signature, the sender's; the receiver's receipt, once added, is a second JWS, in
the flattened serialization (section 7.2.2), in the member ``receipt`` beside them:

    {"payload": b64url(canonical manifest),
     "signatures": [{"protected": b64url({"alg": "EdDSA", "kid": ..., "signed_at": ...}),
                     "signature": ...}],
     "receipt": {"payload": b64url(canonical receipt: manifest_sha256, received_at,
                                   discrepancies),
                 "protected": b64url({"alg": "EdDSA", "kid": ..., "signed_at": ...}),
                 "signature": ...}}

Section 7.2.1 lets a JWS carry members a reader does not understand, and JOSE libraries
ignore ``receipt`` when they read the manifest. So each JWS has exactly one signature (a
library that accepts a general JWS when *any* signature verifies, like jwcrypto and node
``jose``, cannot be fooled by an added one when the reader insists on one), every
protected header is small and of fixed shape (about 130 bytes: far below joserfc's
512-byte cap, however many discrepancies), and the discrepancies sit in the receipt's
payload. Adding the receipt leaves the sender's JWS untouched. Readers must allow
``EdDSA`` and, in joserfc, the ``signed_at`` header (README: "Verifying elsewhere").

``signed_at`` is the signer's claim of when it signed: verification refuses a key revoked
at or before that time.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from exchange import clock
from exchange.errors import Conflict, ValidationFailed
from exchange.manifests.statement import Manifest, Receipt
from exchange.signing import jws
from exchange.signing.canonical import canonical_json
from exchange.signing.instance_key import key_id

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIGNED_AT = "signed_at"
RECEIPT = "receipt"
HEADER_MEMBERS = frozenset({"alg", "kid", SIGNED_AT})


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
    """A copy of ``document`` with the receiver's receipt added as the flattened JWS
    ``receipt``. The receipt must name this manifest's digest and only its items; a
    document already countersigned is refused (``Conflict``)."""
    manifest = signed_manifest(document)
    receipt.check_against(manifest)
    if not isinstance(document.get("signatures"), list):
        raise ValidationFailed.single("signatures", "invalid", "not a signed manifest")
    if RECEIPT in document or len(document["signatures"]) > 1:  # or the earlier form
        raise Conflict("the manifest already carries a receipt")
    signer = jws.Signer(
        key, key_id(key.public_key()), {SIGNED_AT: clock.iso(signed_at or clock.now())}
    )
    result = copy.deepcopy(document)
    result[RECEIPT] = jws.sign_flattened(canonical_json(receipt.to_json()), signer)
    return result
