"""A signing key of small order is refused, with the reason beside the field, and nothing is
registered: with such a key anyone can make a signature that verifies (the identity key
accepts ``R = identity, S = 0`` for every message), so a manifest "signed" by it proves
nothing. Found pasting ``{"kty": "OKP", "crv": "Ed25519", "x": "AAAA…A"}`` in /admin/keys,
which was registered."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from exchange.identity.identity import Role
from exchange.keys.material import public_jwk
from exchange.runtime import Runtime
from exchange.signing.small_order import BLOCKED, has_small_order
from tests.conftest import World
from tests.pages.people import member_signed_in, rows

SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # RFC 8410 Ed25519 public key
REASONS = {
    "en": "this key signs nothing: anyone could sign as it",
    "ko": "이 키로는 아무것도 서명할 수 없습니다: 누구나 이 키의 서명을 만들 수 있습니다",
}


def _jwk(raw: bytes) -> str:
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return json.dumps({"kty": "OKP", "crv": "Ed25519", "x": x})


def _pem(raw: bytes) -> str:
    body = base64.encodebytes(SPKI_PREFIX + raw).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n"


def test_the_identity_key_verifies_a_forged_signature_for_any_message() -> None:
    """Why the check exists: the verifier alone does not refuse these keys."""
    identity = Ed25519PublicKey.from_public_bytes(BLOCKED[1])
    forged = BLOCKED[1] + bytes(32)
    for message in (b"manifest 1", b"manifest 2"):
        identity.verify(forged, message)  # raises nothing
    honest = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(InvalidSignature):
        honest.verify(forged, b"manifest 1")


def test_small_order_encodings_with_either_sign_bit_are_found_and_real_keys_are_not() -> None:
    for raw in BLOCKED:
        assert has_small_order(raw)
        assert has_small_order(raw[:31] + bytes([raw[31] | 0x80]))
    for _ in range(20):
        key = Ed25519PrivateKey.generate().public_key()
        assert not has_small_order(base64.urlsafe_b64decode(public_jwk(key)["x"] + "="))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "pasted",
    [_jwk(bytes(32)), _jwk(BLOCKED[1]), _jwk(BLOCKED[2]), _pem(BLOCKED[4]), _pem(BLOCKED[3])],
)
async def test_a_small_order_key_is_refused_beside_its_field_and_not_registered(
    client: httpx.AsyncClient, runtime: Runtime, world: World, lang: str, pasted: str
) -> None:
    csrf = await member_signed_in(client, runtime, "root@example.org", world.national, Role.ADMIN)
    client.cookies.set("lang", lang)
    refused = await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner": world.national, "public_key": pasted}
    )
    assert refused.status_code == 400, refused.text
    assert f'id="public_key-error">{REASONS[lang]}<' in refused.text
    assert await rows(runtime, "SELECT count(*) FROM signing_key") == [(0,)]
