"""Peer instances: registering one with its JWKS and the partners it serves, and listing.

A partner has one home instance (``partner_home``); a partner without a row is at home
here. Only the system identity (the CLI on the instance's own machine) manages peers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import NotFound, PermissionDenied, ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.partners.models import Partner
from exchange.signing.instance_key import INSTANCE_KID_PREFIX, b64url_decode, key_id
from exchange.signing.small_order import has_small_order
from exchange.sync import instance
from exchange.sync.models import PartnerHome, SyncPeer

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class PeerView:
    id: uuid.UUID
    kid: str
    serves: list[uuid.UUID]


def instance_key_of(jwks: Any) -> dict[str, Any]:
    """The one JWK in ``jwks`` whose kid is ``instance:<RFC 7638 thumbprint>`` and whose
    thumbprint matches its key; ``ValidationFailed`` otherwise."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise ValidationFailed.single("jwks", "invalid", "not a JWKS (no keys array)")
    found = [
        k
        for k in keys
        if isinstance(k, dict) and str(k.get("kid", "")).startswith(INSTANCE_KID_PREFIX)
    ]
    if len(found) != 1:
        raise ValidationFailed.single(
            "jwks", "invalid", N_("expected one instance key, found {count}", count=len(found))
        )
    jwk = found[0]
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValidationFailed.single("jwks", "invalid", "the instance key is not Ed25519")
    key = public_key(jwk)
    if jwk["kid"] != INSTANCE_KID_PREFIX + key_id(key):
        raise ValidationFailed.single("jwks", "invalid", "the kid is not the key's thumbprint")
    return {name: jwk[name] for name in ("kty", "crv", "x", "kid")}


def public_key(jwk: dict[str, Any]) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = b64url_decode(str(jwk["x"]))
        key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValidationFailed.single("jwks", "invalid", "x is not an Ed25519 key") from None
    if has_small_order(raw):  # anyone could sign as it
        raise ValidationFailed.single("jwks", "invalid", "x is not an Ed25519 key")
    return key


def _require_system(identity: Identity) -> None:
    if not identity.system:
        raise PermissionDenied("peer.manage")


async def add(
    identity: Identity,
    peer_id: uuid.UUID,
    jwks: Any,
    serves: list[uuid.UUID],
    *,
    uow: UnitOfWork,
) -> PeerView:
    """Register (or update) peer ``peer_id``; each partner in ``serves`` gets it as home.

    Raises ``ValidationFailed`` (bad JWKS, the peer is this instance), ``NotFound`` (an
    unknown partner), ``PermissionDenied`` (not the system identity)."""
    _require_system(identity)
    if peer_id == await instance.ensure(uow):
        raise ValidationFailed.single("id", "self", "a peer cannot be this instance")
    jwk = instance_key_of(jwks)
    for partner_id in serves:
        if await uow.session.get(Partner, partner_id) is None:
            raise NotFound("partner", partner_id)
    existing = await uow.session.get(SyncPeer, peer_id)
    before = {"kid": existing.kid} if existing else None
    if existing is None:
        uow.session.add(SyncPeer(id=peer_id, kid=jwk["kid"], jwk=jwk, added_at=clock.now()))
    else:
        existing.kid, existing.jwk = jwk["kid"], jwk
        uow.session.add(existing)
    for partner_id in serves:
        await uow.session.exec(
            sa.delete(PartnerHome).where(col(PartnerHome.partner_id) == partner_id)
        )
        uow.session.add(PartnerHome(partner_id=partner_id, instance_id=peer_id))
    await uow.session.flush()
    after = {"kid": jwk["kid"], "serves": sorted(str(p) for p in serves)}
    uow.record(AuditRecord(identity.label, "peer.add", "sync_peer", str(peer_id), before, after))
    return PeerView(peer_id, jwk["kid"], await served_by(uow.session, peer_id))


async def served_by(session: AsyncSession, instance_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.exec(
        select(PartnerHome.partner_id)
        .where(col(PartnerHome.instance_id) == instance_id)
        .order_by(col(PartnerHome.partner_id))
    )
    return list(rows.all())


async def homes(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID]:
    """partner id → home instance id, for every partner not at home here."""
    rows = await session.exec(select(PartnerHome.partner_id, PartnerHome.instance_id))
    return dict(rows.all())


async def get(session: AsyncSession, peer_id: uuid.UUID) -> SyncPeer:
    peer = await session.get(SyncPeer, peer_id)
    if peer is None:
        raise NotFound("peer", peer_id)
    return peer


async def list_all(identity: Identity, *, session: AsyncSession) -> list[PeerView]:
    _require_system(identity)
    peers = (await session.exec(select(SyncPeer).order_by(col(SyncPeer.id)))).all()
    return [PeerView(p.id, p.kid, await served_by(session, p.id)) for p in peers]


async def list_rows(session: AsyncSession) -> list[SyncPeer]:
    return list((await session.exec(select(SyncPeer).order_by(col(SyncPeer.id)))).all())
