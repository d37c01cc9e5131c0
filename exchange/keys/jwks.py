"""Partners' public keys as a JWK Set (RFC 7517): built from the database, read from a file.

Each key is ``{"kty": "OKP", "crv": "Ed25519", "x", "kid", "use": "sig"}``, without ``alg``
so that libraries bound by it accept both ``Ed25519`` and the older ``EdDSA`` signatures,
plus three members of our own: ``partner_id``, ``created_at`` and, once revoked,
``revoked_at`` (RFC 3339 UTC). ``kid`` is the key's RFC 7638 thumbprint, and ``parse``
checks that it is, so a JWKS cannot pass one partner's key off under another kid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.identity.identity import Identity
from exchange.keys.models import SigningKey
from exchange.policy import PLATFORM, PolicyEngine
from exchange.signing import jws
from exchange.signing.instance_key import b64url, key_id, raw_public


@dataclass(frozen=True, slots=True)
class PublishedKey:
    kid: str
    partner_id: uuid.UUID
    public_key: Ed25519PublicKey
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Usable keys by kid, and why any other published key was set aside."""

    keys: dict[str, PublishedKey] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


def to_jwk(key: PublishedKey) -> dict[str, Any]:
    jwk: dict[str, Any] = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(raw_public(key.public_key)),
        "kid": key.kid,
        "use": "sig",
        "partner_id": str(key.partner_id),
        "created_at": clock.iso(key.created_at),
    }
    if key.revoked_at is not None:
        jwk["revoked_at"] = clock.iso(key.revoked_at)
    return jwk


def published(row: SigningKey) -> PublishedKey:
    public_key = Ed25519PublicKey.from_public_bytes(jws.strict_b64url_decode(row.public_key))
    return PublishedKey(row.kid, row.partner_id, public_key, row.created_at, row.revoked_at)


async def build(
    identity: Identity, *, session: AsyncSession, policy: PolicyEngine
) -> dict[str, Any]:
    """The JWKS of every partner's keys, revoked ones included (they still verify what
    they signed before their revocation)."""
    policy.require(identity, "key.list", PLATFORM)
    rows = (await session.exec(select(SigningKey).order_by(col(SigningKey.id)))).all()
    return {"keys": [to_jwk(published(row)) for row in rows]}


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value.endswith("Z"):
        raise ValueError("not an RFC 3339 UTC time")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)


def _key(jwk: dict[str, Any]) -> PublishedKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an OKP Ed25519 key")
    if "d" in jwk:
        raise ValueError("a private key was published")
    if jwk.get("alg") not in (None, *jws.ACCEPTED_ALGS):
        raise ValueError(f"alg {jwk.get('alg')!r} does not sign with Ed25519")
    raw = jws.strict_b64url_decode(str(jwk.get("x", "")))
    if len(raw) != 32:
        raise ValueError("x is not 32 bytes")
    public_key = Ed25519PublicKey.from_public_bytes(raw)
    if key_id(public_key) != jwk.get("kid"):
        raise ValueError("kid is not the key's RFC 7638 thumbprint")
    revoked = jwk.get("revoked_at")
    return PublishedKey(
        kid=str(jwk["kid"]),
        partner_id=uuid.UUID(str(jwk.get("partner_id"))),
        public_key=public_key,
        created_at=_time(jwk.get("created_at")),
        revoked_at=None if revoked is None else _time(revoked),
    )


def parse(document: Any) -> KeyRing:
    """Read a JWKS; a key that cannot be used is kept in ``refused`` with the reason."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError('a JWKS is a JSON object with a "keys" array')
    ring = KeyRing()
    for index, jwk in enumerate(document["keys"]):
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        name = kid if isinstance(kid, str) else f"#{index}"
        if name in ring.keys or name in ring.refused:
            ring.keys.pop(name, None)
            ring.refused[name] = "the kid is published twice"
            continue
        try:
            if not isinstance(jwk, dict):
                raise ValueError("not a JSON object")
            ring.keys[name] = _key(jwk)
        except (ValueError, TypeError) as error:
            ring.refused[name] = str(error)
    return ring
