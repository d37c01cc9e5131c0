"""Partners' public keys as a JWK Set (RFC 7517): built from the database, read from a file.

Each key is ``{"kty": "OKP", "crv": "Ed25519", "x", "kid", "use": "sig"}``, without ``alg``
so that libraries bound by it accept both ``Ed25519`` and the older ``EdDSA`` signatures,
plus three members of our own: ``partner_id``, ``created_at`` and, once revoked,
``revoked_at`` (RFC 3339 UTC). ``kid`` is the key's RFC 7638 thumbprint, and ``parse``
checks that it is, so a JWKS cannot pass one partner's key off under another kid.

``parse`` also reads a plain RFC 7517 JWKS: our members are optional there (a key without
``partner_id`` is not bound to a partner, one without ``kid`` gets its thumbprint), and a
key that lacks a member verification needs (``kty``, ``crv``, ``x``) is set aside with the
member named.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.identity.identity import Identity
from exchange.keys.models import SigningKey
from exchange.policy import PLATFORM, PolicyEngine
from exchange.signing import jws
from exchange.signing.instance_key import (
    INSTANCE_KID_PREFIX,
    b64url,
    instance_jwk,
    key_id,
    raw_public,
)
from exchange.signing.small_order import has_small_order

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class PublishedKey:
    kid: str
    partner_id: uuid.UUID | None  # None: the JWKS did not say whose key it is
    public_key: Ed25519PublicKey
    created_at: datetime | None
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
    }
    if key.partner_id is not None:
        jwk["partner_id"] = str(key.partner_id)
    if key.created_at is not None:
        jwk["created_at"] = clock.iso(key.created_at)
    if key.revoked_at is not None:
        jwk["revoked_at"] = clock.iso(key.revoked_at)
    return jwk


def published(row: SigningKey) -> PublishedKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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


def with_instance_key(document: dict[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The JWKS with the instance's own key added (kid ``instance:<thumbprint>``): what
    ``/.well-known/jwks.json`` publishes, so audit checkpoints can be checked offline."""
    return {**document, "keys": [*document["keys"], instance_jwk(public_key)]}


def _time(jwk: dict[str, Any], member: str) -> datetime | None:
    value = jwk.get(member)
    if value is None:
        return None
    try:
        if isinstance(value, str) and value.endswith("Z"):
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError:
        pass
    raise ValueError(f"{member} {value!r} is not an RFC 3339 UTC time")


def _key(jwk: dict[str, Any]) -> PublishedKey:
    if str(jwk.get("kid", "")).startswith(INSTANCE_KID_PREFIX):
        raise ValueError("the instance's key: it signs audit checkpoints, not manifests")
    for member in ("kty", "crv", "x"):
        if member not in jwk:
            raise ValueError(f"the {member!r} member is missing (RFC 8037 section 2)")
    if jwk["kty"] != "OKP" or jwk["crv"] != "Ed25519":
        raise ValueError(f"not an Ed25519 key (kty {jwk['kty']!r}, crv {jwk['crv']!r})")
    if "d" in jwk:
        raise ValueError("a private key was published")
    if jwk.get("alg") not in (None, *jws.ACCEPTED_ALGS):
        raise ValueError(f"alg {jwk.get('alg')!r} does not sign with Ed25519")
    raw = jws.strict_b64url_decode(str(jwk["x"]))
    if len(raw) != 32:
        raise ValueError("x is not 32 bytes")
    if has_small_order(raw):
        raise ValueError("x is a point of small order: anyone could sign as it")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public_key = Ed25519PublicKey.from_public_bytes(raw)
    kid = jwk.get("kid", key_id(public_key))
    if key_id(public_key) != kid:
        raise ValueError("kid is not the key's RFC 7638 thumbprint")
    partner = jwk.get("partner_id")
    try:
        partner_id = None if partner is None else uuid.UUID(str(partner))
    except ValueError:
        raise ValueError(f"partner_id {partner!r} is not a UUID") from None
    return PublishedKey(
        kid=kid,
        partner_id=partner_id,
        public_key=public_key,
        created_at=_time(jwk, "created_at"),
        revoked_at=_time(jwk, "revoked_at"),
    )


def parse(document: Any) -> KeyRing:
    """Read a JWKS; a key that cannot be used is kept in ``refused`` with the reason."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError('a JWKS is a JSON object with a "keys" array')
    ring = KeyRing()
    for index, jwk in enumerate(document["keys"]):
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        name = kid if isinstance(kid, str) else f"#{index}"
        try:
            if not isinstance(jwk, dict):
                raise ValueError("not a JSON object")
            key = _key(jwk)
        except (ValueError, TypeError) as error:
            ring.refused[name] = str(error)
            continue
        if key.kid in ring.keys or key.kid in ring.refused:
            ring.keys.pop(key.kid, None)
            ring.refused[key.kid] = "the kid is published twice"
            continue
        ring.keys[key.kid] = key
    return ring
