"""Verification: what passes, and every way a signed manifest is refused, with its reason."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest

from exchange import clock
from exchange.errors import Conflict
from exchange.keys import jwks
from exchange.manifests import signing
from exchange.manifests.verify import SignatureInvalid, verify
from exchange.signing import jws
from exchange.signing.canonical import canonical_json
from exchange.signing.instance_key import b64url, b64url_decode
from tests.manifests.samples import (
    RECEIVED,
    RECEIVER,
    SIGNED,
    Party,
    jwks_document,
    manifest,
    parties,
    receipt,
    ring,
)


def signed_pair() -> tuple[Party, Party, dict[str, Any]]:
    sender, receiver = parties()
    m = manifest()
    document = signing.sign(m, sender.key, signed_at=SIGNED)
    return (
        sender,
        receiver,
        signing.countersign(document, receipt(m), receiver.key, signed_at=RECEIVED),
    )


def refused(document: Any, *members: Party) -> str:
    with pytest.raises(SignatureInvalid) as caught:
        verify(document, ring(*members))
    return caught.value.reason


def test_a_countersigned_manifest_verifies_with_both_signers_named() -> None:
    sender, receiver, document = signed_pair()
    result = verify(document, ring(sender, receiver))
    assert result.manifest == manifest()
    assert (result.sender.kid, result.sender.partner_id, result.sender.signed_at) == (
        sender.kid,
        sender.partner_id,
        SIGNED,
    )
    assert result.receiver is not None
    assert (result.receiver.kid, result.receiver.partner_id) == (receiver.kid, receiver.partner_id)
    assert result.receipt == receipt(manifest())
    assert result.digest == hashlib.sha256(manifest().canonical()).hexdigest()


def test_countersigning_leaves_the_sender_entry_byte_for_byte() -> None:
    sender, receiver = parties()
    document = signing.sign(manifest(), sender.key, signed_at=SIGNED)
    countersigned = signing.countersign(document, receipt(manifest()), receiver.key)
    assert countersigned["payload"] == document["payload"]
    assert countersigned["signatures"] == document["signatures"]
    assert sorted(countersigned) == ["payload", "receipt", "signatures"]
    assert sorted(countersigned["receipt"]) == ["payload", "protected", "signature"]


def test_a_second_signature_beside_the_senders_is_refused() -> None:
    sender, receiver, document = signed_pair()
    extra = signing.sign(manifest(), sender.key, signed_at=SIGNED)["signatures"][0]
    document["signatures"].append(extra)
    assert refused(document, sender, receiver) == (
        "expected one signature (the sender's), found 2: the receiver's is in the receipt"
    )


def test_a_second_receipt_is_refused() -> None:
    _sender, receiver, document = signed_pair()
    with pytest.raises(Conflict):
        signing.countersign(document, receipt(manifest()), receiver.key)


def test_sender_only_manifest_verifies_without_a_receipt() -> None:
    sender, _ = parties()
    result = verify(signing.sign(manifest(), sender.key, signed_at=SIGNED), ring(sender))
    assert (result.receipt, result.receiver) == (None, None)


def flip(text: str, marker: bytes | None = None) -> str:
    """Change one bit of one byte of a base64url part (inside ``marker`` when given)."""
    data = bytearray(b64url_decode(text))
    position = 20 if marker is None else data.index(marker)
    data[position] ^= 0x01
    return b64url(bytes(data))


@pytest.mark.parametrize(
    ("part", "marker", "index"),
    [
        ("payload", b"Grammar", 0),
        ("receipt payload", b"crate", 1),
        ("receipt protected", b"2026", 1),
        ("receipt signature", None, 1),
        ("signature", None, 0),
    ],
)
def test_one_changed_byte_anywhere_is_refused(part: str, marker: bytes | None, index: int) -> None:
    sender, receiver, document = signed_pair()
    tampered = copy.deepcopy(document)
    if part == "payload":
        tampered["payload"] = flip(tampered["payload"], marker)
    elif part.startswith("receipt "):
        member = part.removeprefix("receipt ")
        tampered["receipt"][member] = flip(tampered["receipt"][member], marker)
    else:
        tampered["signatures"][0][part] = flip(tampered["signatures"][0][part], marker)
    kid = (sender, receiver)[index].kid
    assert refused(tampered, sender, receiver) in (
        f"signature 0 (kid {kid}) does not verify",
        "signature 0: header or signature is malformed",
    )


def test_a_character_outside_base64url_is_refused() -> None:
    sender, receiver, document = signed_pair()
    tampered = {**document, "payload": document["payload"][:-1] + "="}
    assert refused(tampered, sender, receiver) == "payload is not base64url"


def test_a_changed_signing_time_is_refused() -> None:
    sender, receiver, document = signed_pair()
    entry = document["signatures"][0]
    header = json.loads(b64url_decode(entry["protected"]))
    header["signed_at"] = clock.iso(SIGNED - timedelta(days=400))
    entry["protected"] = b64url(json.dumps(header).encode())
    assert refused(document, sender, receiver) == f"signature 0 (kid {sender.kid}) does not verify"


def test_an_unknown_kid_is_refused() -> None:
    sender, receiver, document = signed_pair()
    assert refused(document, receiver) == f"unknown kid {sender.kid}: not in the JWKS"


def test_a_wrong_kid_is_refused() -> None:
    sender, receiver = parties()
    payload = manifest().canonical()
    lying = jws.Signer(sender.key, receiver.kid, {"signed_at": clock.iso(SIGNED)})
    document = jws.sign(payload, [lying])
    assert (
        refused(document, sender, receiver) == f"signature 0 (kid {receiver.kid}) does not verify"
    )


def unsigned_entry(
    header: dict[str, Any], payload_b64: str, secret: bytes | None
) -> dict[str, str]:
    protected = b64url(json.dumps(header).encode())
    mac = b""
    if secret is not None:
        mac = hmac.new(secret, f"{protected}.{payload_b64}".encode(), hashlib.sha256).digest()
    return {"protected": protected, "signature": b64url(mac)}


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES256", None])
def test_algorithms_other_than_ed25519_are_refused(alg: str | None) -> None:
    sender, _ = parties()
    payload_b64 = b64url(manifest().canonical())
    header = {"kid": sender.kid, "signed_at": clock.iso(SIGNED)}
    if alg is not None:
        header["alg"] = alg
    # HS256 keyed with the public key: the classic algorithm-confusion forgery
    secret = sender.published().public_key.public_bytes_raw() if alg == "HS256" else None
    document = {"payload": payload_b64, "signatures": [unsigned_entry(header, payload_b64, secret)]}
    assert refused(document, sender) == f"signature 0: algorithm {alg!r} is not accepted"


def test_a_key_revoked_before_signing_is_refused() -> None:
    sender, receiver = parties()
    document = signing.sign(manifest(), sender.key, signed_at=SIGNED)
    revoked = Party(sender.partner_id, sender.key, revoked_at=SIGNED - timedelta(hours=1))
    reason = refused(document, revoked, receiver)
    assert reason == (
        f"key {sender.kid} was revoked at {clock.iso(SIGNED - timedelta(hours=1))}, "
        f"not after the signing time {clock.iso(SIGNED)}"
    )
    at_the_same_time = Party(sender.partner_id, sender.key, revoked_at=SIGNED)
    assert "was revoked" in refused(document, at_the_same_time)


def test_a_key_revoked_after_signing_still_verifies() -> None:
    sender, receiver = parties()
    document = signing.sign(manifest(), sender.key, signed_at=SIGNED)
    revoked = Party(sender.partner_id, sender.key, revoked_at=SIGNED + timedelta(days=30))
    assert verify(document, ring(revoked, receiver)).sender.kid == sender.kid


def test_a_non_canonical_payload_is_refused_even_when_signed() -> None:
    sender, _ = parties()
    loose = json.dumps(manifest().to_json(), indent=1).encode()
    signer = jws.Signer(sender.key, sender.kid, {"signed_at": clock.iso(SIGNED)})
    assert refused(jws.sign(loose, [signer]), sender) == "payload is not canonical JSON (RFC 8785)"


def test_the_sender_signature_must_be_by_the_sender_partner() -> None:
    sender, receiver = parties()
    document = signing.sign(manifest(), receiver.key, signed_at=SIGNED)
    reason = refused(document, sender, receiver)
    assert reason == (
        f"manifest signed with key {receiver.kid} of partner {receiver.partner_id}, "
        f"not of the sender {sender.partner_id}"
    )


def test_the_receipt_must_be_signed_by_the_receiver_partner() -> None:
    sender, receiver = parties()
    document = signing.sign(manifest(), sender.key, signed_at=SIGNED)
    countersigned = signing.countersign(document, receipt(manifest()), sender.key)
    assert refused(countersigned, sender, receiver).startswith(
        f"receipt signed with key {sender.kid} of partner {sender.partner_id}"
    )


def test_a_receipt_for_another_manifest_is_refused() -> None:
    sender, receiver = parties()
    document = signing.sign(manifest(), sender.key, signed_at=SIGNED)
    wrong = receipt(manifest(), discrepancies=False).to_json()
    wrong["manifest_sha256"] = "0" * 64
    signer = jws.Signer(receiver.key, receiver.kid, {"signed_at": clock.iso(RECEIVED)})
    document["receipt"] = jws.sign_flattened(canonical_json(wrong), signer)
    assert refused(document, sender, receiver) == (
        "receipt is not valid: manifest_sha256: does not match the manifest"
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda e: e.update(header={"kid": "x"}), "unprotected header parameters are not accepted"),
        (lambda e: e.update(protected=b64url(b'{"alg":"Ed25519","alg":"none"}')), "malformed"),
        (lambda e: e.update(protected=b64url(b'{"alg":"Ed25519","crit":["b64"]}')), "critical"),
    ],
)
def test_header_tricks_are_refused(change: Any, reason: str) -> None:
    sender, receiver, document = signed_pair()
    change(document["signatures"][0])
    assert reason in refused(document, sender, receiver)


def test_unexpected_header_members_are_refused() -> None:
    sender, _ = parties()
    signer = jws.Signer(
        sender.key, sender.kid, {"signed_at": clock.iso(SIGNED), "x5u": "https://evil.example"}
    )
    document = jws.sign(manifest().canonical(), [signer])
    assert refused(document, sender) == f"key {sender.kid}: unexpected header members x5u"


def test_a_jwks_that_lies_about_a_kid_sets_the_key_aside() -> None:
    sender, receiver, document = signed_pair()
    listed = jwks.to_jwk(receiver.published())
    listed["kid"] = sender.kid  # the receiver's key under the sender's kid
    keys = jwks.parse({"keys": [listed, jwks.to_jwk(receiver.published())]})
    assert keys.refused == {sender.kid: "kid is not the key's RFC 7638 thumbprint"}
    with pytest.raises(SignatureInvalid) as caught:
        verify(document, keys)
    assert caught.value.reason == (
        f"key {sender.kid} in the JWKS is not usable: kid is not the key's RFC 7638 thumbprint"
    )


def test_a_key_without_partner_id_cannot_stand_for_the_sender_where_binding_is_needed() -> None:
    sender, _receiver = parties()
    document = signing.sign(manifest(), sender.key, signed_at=SIGNED)
    [ours] = jwks_document(sender)["keys"]
    plain = jwks.parse({"keys": [{k: ours[k] for k in ("kty", "crv", "x")}]})
    with pytest.raises(SignatureInvalid) as caught:
        verify(document, plain)
    assert caught.value.reason == (
        f"key {sender.kid} in the JWKS has no partner_id: needed to check that it is the "
        f"sender's ({sender.partner_id})"
    )
    unbound = verify(document, plain, bind_partners=False)
    assert (unbound.sender.kid, unbound.sender.partner_id) == (sender.kid, None)


def test_a_receipt_in_the_earlier_form_still_verifies_and_is_not_countersigned_again() -> None:
    sender, receiver = parties()
    document = signing.sign(manifest(), sender.key, signed_at=SIGNED)
    earlier = jws.Signer(
        receiver.key,
        receiver.kid,
        {"signed_at": clock.iso(RECEIVED), "receipt": receipt(manifest()).to_json()},
    )
    document["signatures"].append(jws.signature_entry(document["payload"], earlier))
    result = verify(document, ring(sender, receiver))
    assert result.receipt == receipt(manifest())
    assert result.receiver is not None
    assert (result.receiver.kid, result.receiver.partner_id) == (receiver.kid, RECEIVER)
    with pytest.raises(Conflict):
        signing.countersign(document, receipt(manifest()), receiver.key)
    document["signatures"].reverse()  # the receipt where the sender's signature belongs
    assert refused(document, sender, receiver) == (
        "expected one signature (the sender's), found 2: the receiver's is in the receipt"
    )
    document["signatures"] = document["signatures"][:1]
    assert refused(document, sender, receiver) == (
        f"key {receiver.kid}: unexpected header members receipt"
    )
    document["signatures"] = document["signatures"] * 2  # a receipt in both entries
    assert refused(document, sender, receiver) == "the sender's signature carries a receipt"
