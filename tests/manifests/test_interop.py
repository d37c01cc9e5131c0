"""Third-party JOSE libraries verify what we sign, run exactly as the README documents it
(its code blocks are executed as they stand), and we verify what they sign."""

from __future__ import annotations

import base64
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws as joserfc_jws
from joserfc.jwk import OKPKey
from joserfc.jws import HeaderDict
from joserfc.registry import HeaderParameter

from exchange import clock
from exchange.keys import jwks
from exchange.manifests import signing
from exchange.manifests.statement import Discrepancy, Receipt, manifest_digest
from exchange.manifests.verify import verify
from exchange.signing.instance_key import b64url
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

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"<!-- verify-with: (\w+) -->\n```python\n(.*?)```", re.DOTALL)
LIBRARIES = ["jwcrypto", "joserfc", "authlib"]


def documented() -> dict[str, str]:
    return dict(BLOCK.findall(README.read_text("utf-8")))


def run_as_documented(
    library: str, document: dict[str, Any], trusted: dict[str, Any], folder: Path
) -> dict[str, Any]:
    """Write the files the README reads, run its blocks for ``library``, return what they
    left behind (``manifest`` and ``receipt``)."""
    (folder / "signed-manifest.json").write_text(json.dumps(document))
    (folder / "trusted-jwks.json").write_text(json.dumps(trusted))
    blocks = documented()
    namespace: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.chdir(folder)
        warnings.simplefilter("ignore")  # joserfc: "EdDSA is deprecated via RFC 9864"
        exec(compile(blocks[library], f"README:{library}", "exec"), namespace)  # noqa: S102
        exec(compile(blocks["all"], "README:all", "exec"), namespace)  # noqa: S102
    return namespace


def countersigned(items: int = 5) -> tuple[Party, Party, dict[str, Any]]:
    sender, receiver = parties()
    m = manifest(items)
    document = signing.sign(m, sender.key, signed_at=SIGNED)
    return (
        sender,
        receiver,
        signing.countersign(document, receipt(m), receiver.key, signed_at=RECEIVED),
    )


def test_the_readme_documents_every_library() -> None:
    assert sorted(documented()) == sorted([*LIBRARIES, "all"])


@pytest.mark.parametrize("library", LIBRARIES)
def test_each_library_verifies_the_manifest_and_the_receipt_as_documented(
    library: str, tmp_path: Path
) -> None:
    sender, receiver, document = countersigned()
    result = run_as_documented(library, document, jwks_document(sender, receiver), tmp_path)
    assert result["manifest"] == manifest(5).to_json()
    assert result["receipt"] == receipt(manifest(5)).to_json()
    assert result["receipt"]["discrepancies"][0]["note"] == "missing from the crate"


@pytest.mark.parametrize("library", LIBRARIES)
def test_each_library_verifies_a_sender_only_manifest_as_documented(
    library: str, tmp_path: Path
) -> None:
    sender, _receiver = parties()
    document = signing.sign(manifest(3), sender.key, signed_at=SIGNED)
    result = run_as_documented(library, document, jwks_document(sender), tmp_path)
    assert (result["manifest"], result["receipt"]) == (manifest(3).to_json(), None)


def test_protected_headers_stay_small_however_many_discrepancies() -> None:
    sender, receiver = parties()
    m = manifest(600)
    many = Receipt(
        manifest_digest(m.canonical()),
        RECEIVED,
        tuple(Discrepancy(i.work_id, i.quantity, 0, "not in the crate " * 10) for i in m.items),
    )
    document = signing.countersign(
        signing.sign(m, sender.key, signed_at=SIGNED), many, receiver.key, signed_at=RECEIVED
    )
    headers = [document["signatures"][0]["protected"], document["receipt"]["protected"]]
    assert all(len(h) < 200 for h in headers)  # joserfc refuses beyond 512 bytes
    assert [json.loads(base64.urlsafe_b64decode(h + "==")) for h in headers] == [
        {"alg": "EdDSA", "kid": sender.kid, "signed_at": clock.iso(SIGNED)},
        {"alg": "EdDSA", "kid": receiver.kid, "signed_at": clock.iso(RECEIVED)},
    ]


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_manifest_beyond_joserfcs_default_payload_cap_verifies_as_documented(
    library: str, tmp_path: Path
) -> None:
    sender, receiver, document = countersigned(items=600)
    assert len(manifest(600).canonical()) > 128_000
    result = run_as_documented(library, document, jwks_document(sender, receiver), tmp_path)
    assert len(result["manifest"]["items"]) == 600


def forged_extra_signature(document: dict[str, Any], _stranger: Party) -> str:
    # a second entry beside the genuine one: jwcrypto and node jose would accept the whole
    # document if any one verified; the documented way refuses any second entry
    document["signatures"].append({"protected": b64url(b'{"alg":"none"}'), "signature": ""})
    return "expected exactly one signature"


def sender_swapped_for_a_stranger(document: dict[str, Any], stranger: Party) -> str:
    document["signatures"] = signing.sign(manifest(5), stranger.key)["signatures"]
    return "is not one of partner"


def receipt_altered(document: dict[str, Any], _stranger: Party) -> str:
    statement = json.loads(base64.urlsafe_b64decode(document["receipt"]["payload"] + "=="))
    statement["discrepancies"] = []
    document["receipt"]["payload"] = b64url(json.dumps(statement).encode())
    return ""


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(
    "forge", [forged_extra_signature, sender_swapped_for_a_stranger, receipt_altered]
)
def test_each_library_refuses_a_forgery_as_documented(
    library: str, forge: Any, tmp_path: Path
) -> None:
    sender, receiver, document = countersigned()
    stranger = Party(receiver.partner_id, Ed25519PrivateKey.generate())  # not the sender's
    message = forge(document, stranger)
    trusted = jwks_document(sender, receiver, stranger)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - each library raises its own
        run_as_documented(library, document, trusted, tmp_path)
    assert message in str(caught.value)
    with pytest.raises(Exception):  # noqa: B017, PT011 - and so do we
        verify(document, ring(sender, receiver, stranger))


def joserfc_registry() -> joserfc_jws.JWSRegistry:
    return joserfc_jws.JWSRegistry(
        header_registry={"signed_at": HeaderParameter("Signing time", "str")},
        algorithms=["Ed25519", "EdDSA"],
    )


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

    return b64url(
        party.key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    )


def test_why_the_readme_insists_on_one_signature_jwcrypto_accepts_any_one_that_verifies() -> None:
    from jwcrypto import jwk as jwcrypto_jwk
    from jwcrypto import jws as jwcrypto_jws

    sender, receiver, document = countersigned()
    stranger = Ed25519PrivateKey.generate()
    document["signatures"].append(
        signing.sign(manifest(5), stranger)["signatures"][0]  # signed by someone else
    )
    token = jwcrypto_jws.JWS()
    token.deserialize(json.dumps(document))
    token.verify(jwcrypto_jwk.JWK(**jwks.to_jwk(sender.published())))  # no complaint
    assert token.payload == manifest(5).canonical()
    assert verify_raises(document, ring(sender, receiver)) == (
        "expected one signature (the sender's), found 2: the receiver's is in the receipt"
    )


def verify_raises(document: dict[str, Any], keys: Any) -> str:
    from exchange.manifests.verify import SignatureInvalid

    with pytest.raises(SignatureInvalid) as caught:
        verify(document, keys)
    return caught.value.reason
