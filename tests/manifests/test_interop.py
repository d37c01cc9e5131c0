"""Third-party JOSE libraries verify what we sign, and we verify what they sign."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from joserfc import jws as joserfc_jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, KeySetSerialization, OKPKey
from joserfc.jws import GeneralJSONSerialization, HeaderDict
from joserfc.registry import HeaderParameter
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from exchange import clock
from exchange.keys import jwks
from exchange.manifests import signing
from exchange.manifests.verify import verify
from tests.manifests.samples import (
    RECEIVED,
    SIGNED,
    Party,
    jwks_document,
    manifest,
    parties,
    receipt,
    ring,
)


def joserfc_registry() -> joserfc_jws.JWSRegistry:
    """joserfc checks header names strictly: it is told about ours, and given room for
    receipts (its default header cap is 512 bytes)."""
    registry = joserfc_jws.JWSRegistry(
        header_registry={
            "signed_at": HeaderParameter("Signing time (RFC 3339)", "str"),
            "receipt": HeaderParameter("Receipt statement", lambda value: None),
        },
        algorithms=["Ed25519", "EdDSA"],
    )
    registry.max_header_length = 16_384
    return registry


def countersigned() -> tuple[Party, Party, dict[str, Any]]:
    sender, receiver = parties()
    m = manifest(5)
    document = signing.sign(m, sender.key, signed_at=SIGNED)
    return (
        sender,
        receiver,
        signing.countersign(document, receipt(m), receiver.key, signed_at=RECEIVED),
    )


def test_joserfc_verifies_every_signature_with_our_jwks() -> None:
    sender, receiver, document = countersigned()
    keys = KeySet.import_key_set(cast(KeySetSerialization, jwks_document(sender, receiver)))
    result = joserfc_jws.deserialize_json(
        cast(GeneralJSONSerialization, document), keys, registry=joserfc_registry()
    )
    assert result.payload == manifest(5).canonical()
    headers = [m.headers() for m in result.members]
    assert [h["kid"] for h in headers] == [sender.kid, receiver.kid]
    assert headers[1]["receipt"] == receipt(manifest(5)).to_json()


def test_joserfc_refuses_when_one_signer_key_is_missing() -> None:
    sender, receiver, document = countersigned()
    stranger = parties()[0]
    substitute = jwks.to_jwk(stranger.published())
    substitute["kid"] = receiver.kid  # right kid, wrong key: the receiver's signature fails
    keys = KeySet.import_key_set(
        cast(KeySetSerialization, {"keys": [jwks.to_jwk(sender.published()), substitute]})
    )
    with pytest.raises(BadSignatureError):
        joserfc_jws.deserialize_json(
            cast(GeneralJSONSerialization, document), keys, registry=joserfc_registry()
        )


def test_jwcrypto_verifies_each_required_signer_separately() -> None:
    sender, receiver, document = countersigned()
    for party in (sender, receiver):
        # a general JWS passes jwcrypto when any one signature verifies, so each signer's
        # key is checked alone, and each entry is also checked as a flattened JWS
        token = jwcrypto_jws.JWS()
        token.deserialize(json.dumps(document))
        key = jwcrypto_jwk.JWK(**jwks.to_jwk(party.published()))
        token.verify(key)
        assert token.payload == manifest(5).canonical()
    for entry, party in zip(document["signatures"], (sender, receiver), strict=True):
        flattened = jwcrypto_jws.JWS()
        flattened.deserialize(json.dumps({"payload": document["payload"], **entry}))
        flattened.verify(jwcrypto_jwk.JWK(**jwks.to_jwk(party.published())))
        assert flattened.jose_header["kid"] == party.kid


def test_jwcrypto_refuses_a_signer_whose_signature_was_altered() -> None:
    sender, receiver, document = countersigned()
    signature = document["signatures"][1]["signature"]
    document["signatures"][1]["signature"] = ("A" if signature[0] != "A" else "B") + signature[1:]
    token = jwcrypto_jws.JWS()
    token.deserialize(json.dumps(document))
    token.verify(jwcrypto_jwk.JWK(**jwks.to_jwk(sender.published())))  # still fine
    with pytest.raises(jwcrypto_jws.InvalidJWSSignature):
        token.verify(jwcrypto_jwk.JWK(**jwks.to_jwk(receiver.published())))


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize("alg", ["Ed25519", "EdDSA"])
def test_we_verify_a_manifest_joserfc_signed(alg: str) -> None:
    sender, receiver = parties()
    m = manifest(3)
    private = OKPKey.import_key({**jwks.to_jwk(sender.published()), "d": _raw_private_b64(sender)})
    members: list[HeaderDict] = [
        {"protected": {"alg": alg, "kid": sender.kid, "signed_at": clock.iso(SIGNED)}}
    ]
    document = joserfc_jws.serialize_json(
        members, m.canonical(), private, registry=joserfc_registry()
    )
    result = verify(document, ring(sender, receiver))
    assert (result.manifest, result.sender.kid, result.sender.alg) == (m, sender.kid, alg)


def _raw_private_b64(party: Party) -> str:
    from cryptography.hazmat.primitives import serialization

    from exchange.signing.instance_key import b64url

    return b64url(
        party.key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    )
