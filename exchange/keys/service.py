"""Partner signing keys: register, create custodially, revoke, list, and sign with them.

Every function takes the acting identity first and asks the policy engine before it
reads or writes. Writers work inside the caller's unit of work and never commit.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.keys.custody import Custody
from exchange.keys.models import SigningKey
from exchange.manifests import signing
from exchange.manifests.statement import Manifest, Receipt
from exchange.messages import N_
from exchange.partners.models import Partner
from exchange.partners.service import resource as partner_resource
from exchange.policy import PolicyEngine
from exchange.signing.instance_key import b64url, key_id, raw_public

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


async def _partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


async def _add(
    identity: Identity,
    partner: Partner,
    public_key: Ed25519PublicKey,
    sealed: bytes | None,
    *,
    uow: UnitOfWork,
) -> SigningKey:
    kid = key_id(public_key)
    existing = (await uow.session.exec(select(SigningKey).where(SigningKey.kid == kid))).first()
    if existing is not None:
        raise Conflict("this public key is already registered", existing.id)
    row = SigningKey(
        partner_id=partner.id,
        kid=kid,
        public_key=b64url(raw_public(public_key)),
        created_at=clock.now(),
        encrypted_private_key=sealed,
    )
    uow.session.add(row)
    await uow.session.flush()
    uow.record(
        AuditRecord(identity.label, "key.register", "signing_key", kid, None, row.snapshot())
    )
    return row


async def register(
    identity: Identity,
    partner_id: uuid.UUID,
    public_key: Ed25519PublicKey,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> SigningKey:
    """Register a partner's public key, whose private half the partner keeps (admins, and
    the partner's librarians)."""
    partner = await _partner(uow.session, partner_id)
    policy.require(identity, "key.register", partner_resource(partner))
    return await _add(identity, partner, public_key, None, uow=uow)


async def create_custodial(
    identity: Identity,
    partner_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    custody: Custody,
) -> SigningKey:
    """Generate a key the server keeps for the partner, sealed with the key-encryption
    key. Refused (Conflict) when no key-encryption key is configured."""
    partner = await _partner(uow.session, partner_id)
    policy.require(identity, "key.register", partner_resource(partner))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    sealed = custody.seal(private_key, key_id(public_key), partner.id)
    return await _add(identity, partner, public_key, sealed, uow=uow)


async def revoke(
    identity: Identity,
    kid: str,
    at: datetime | None = None,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> SigningKey:
    """Revoke a key as of ``at`` (default now; earlier when a compromise is found late).
    Signatures made before that time still verify; none made at or after it do.

    A key already revoked may have its revocation moved *earlier* (a leak found later to be
    older), never later: a later or equal time is a ``Conflict``, since it would make
    valid again what the earlier revocation refused. Every move is audited (``key.revoke``
    with the old and new ``revoked_at``)."""
    statement = select(SigningKey).where(SigningKey.kid == kid).with_for_update()
    row = (await uow.session.exec(statement)).first()
    if row is None:
        raise NotFound("signing key", kid)
    partner = await _partner(uow.session, row.partner_id)
    policy.require(identity, "key.revoke", partner_resource(partner))
    now = clock.now()
    moment = now if at is None else at
    if moment.tzinfo is None:
        raise ValidationFailed.single("at", "invalid", "the revocation time needs a time zone")
    if row.revoked_at is not None and moment >= row.revoked_at:
        raise Conflict(
            N_(
                "key {kid} was already revoked at {revoked_at};"
                " a revocation can only be moved earlier",
                kid=kid,
                revoked_at=clock.iso(row.revoked_at),
            ),
            row.id,
        )
    if moment > now:
        raise ValidationFailed.single("at", "out_of_range", "a revocation cannot be in the future")
    if moment < row.created_at:
        raise ValidationFailed.single("at", "out_of_range", "before the key was registered")
    before = row.snapshot()
    row.revoked_at = moment
    uow.session.add(row)
    await uow.session.flush()
    uow.record(
        AuditRecord(identity.label, "key.revoke", "signing_key", kid, before, row.snapshot())
    )
    return row


async def list(
    identity: Identity, partner_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> builtins.list[SigningKey]:
    """The partner's keys, oldest first, revoked ones included."""
    partner = await _partner(session, partner_id)
    policy.require(identity, "key.list", partner_resource(partner))
    statement = (
        select(SigningKey).where(SigningKey.partner_id == partner_id).order_by(col(SigningKey.id))
    )
    return builtins.list((await session.exec(statement)).all())


async def custodial_key(
    identity: Identity,
    partner_id: uuid.UUID,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
    custody: Custody,
) -> tuple[SigningKey, Ed25519PrivateKey]:
    """The partner's newest unrevoked custodial key, opened (admins and the partner's
    librarians may sign with it)."""
    partner = await _partner(session, partner_id)
    policy.require(identity, "key.sign", partner_resource(partner))
    statement = (
        select(SigningKey)
        .where(
            SigningKey.partner_id == partner_id,
            col(SigningKey.encrypted_private_key).is_not(None),
            col(SigningKey.revoked_at).is_(None),
        )
        .order_by(col(SigningKey.id).desc())
    )
    row = (await session.exec(statement)).first()
    if row is None or row.encrypted_private_key is None:
        raise NotFound("custodial signing key of partner", partner_id)
    return row, custody.open(row.encrypted_private_key, row.kid, row.partner_id)


async def sign_manifest(
    identity: Identity,
    manifest: Manifest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
    custody: Custody,
) -> dict[str, Any]:
    """The manifest signed with the sender partner's custodial key (for dispatch)."""
    _row, key = await custodial_key(
        identity, manifest.sender, session=session, policy=policy, custody=custody
    )
    return signing.sign(manifest, key)


async def countersign_manifest(
    identity: Identity,
    document: dict[str, Any],
    receipt: Receipt,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
    custody: Custody,
) -> dict[str, Any]:
    """The signed manifest with the receiver's receipt, signed with the receiver partner's
    custodial key (for receipt)."""
    manifest = signing.signed_manifest(document)
    _row, key = await custodial_key(
        identity, manifest.receiver, session=session, policy=policy, custody=custody
    )
    return signing.countersign(document, receipt, key)
