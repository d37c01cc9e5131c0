"""Every partner's signing keys at once, as the admin pages show them, and registering a
public key pasted as text (a JWK, RFC 8037 section 2, or a PEM SubjectPublicKeyInfo,
RFC 8410 section 4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import text
from exchange.db.uow import UnitOfWork
from exchange.errors import ValidationFailed
from exchange.identity.identity import Identity
from exchange.keys import material, service
from exchange.keys.models import SigningKey
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# A JWK or a PEM public key is a few hundred characters; a paste past this is not one.
MAX_KEY_TEXT = 4000
MAX_PARTNERS_OFFERED = 500


@dataclass(frozen=True, slots=True)
class KeyView:
    key: SigningKey
    partner: Partner

    @property
    def state(self) -> str:
        """``revoked`` or ``active``."""
        return "active" if self.key.revoked_at is None else "revoked"


@dataclass(frozen=True, slots=True)
class KeyOverview:
    """Every registered key with its partner (newest first), and the partners a new key may
    be registered for."""

    keys: list[KeyView]
    partners: list[Partner]


async def overview(
    identity: Identity, *, session: AsyncSession, policy: PolicyEngine
) -> KeyOverview:
    """Every partner's keys, revoked ones included, with which are custodial.
    ``PermissionDenied`` unless Cedar allows ``key.overview`` (admins); the public keys
    alone are published to anyone at ``/.well-known/jwks.json``."""
    policy.require(identity, "key.overview", PLATFORM)
    rows = await session.exec(
        select(SigningKey, Partner)
        .join(Partner, col(Partner.id) == col(SigningKey.partner_id))
        .order_by(col(SigningKey.id).desc())
    )
    partners = await session.exec(
        select(Partner).order_by(col(Partner.id)).limit(MAX_PARTNERS_OFFERED)
    )
    return KeyOverview([KeyView(k, p) for k, p in rows.all()], list(partners.all()))


def parse_public(pasted: str) -> Ed25519PublicKey:
    """The Ed25519 public key in ``pasted`` (JWK or PEM). ``ValidationFailed`` on field
    ``public_key``: empty, longer than ``MAX_KEY_TEXT``, with characters text may not hold,
    or not a public Ed25519 key (a private JWK, with ``d``, is refused)."""
    checked = text.checked(pasted, "public_key", limit=MAX_KEY_TEXT, normalise=False).strip()
    if not checked:
        raise ValidationFailed.single("public_key", "required", "paste a public key")
    return material.load_public(checked.encode("utf-8"))


async def register_pasted(
    identity: Identity,
    partner_id: uuid.UUID,
    pasted: str,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> SigningKey:
    """Register the public key pasted as text for the partner (``service.register``: Cedar
    ``key.register``; ``NotFound`` for an unknown partner; ``Conflict`` when already
    registered); ``ValidationFailed`` (``public_key``) as ``parse_public``."""
    return await service.register(
        identity, partner_id, parse_public(pasted), uow=uow, policy=policy
    )
