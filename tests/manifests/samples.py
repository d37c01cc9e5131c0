"""Builders shared by the manifest tests: two partners with keys, a manifest, a receipt."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.keys import jwks
from exchange.keys.jwks import KeyRing, PublishedKey
from exchange.manifests.statement import (
    DigitalObject,
    Discrepancy,
    Identifier,
    Manifest,
    ManifestItem,
    Receipt,
    manifest_digest,
)
from exchange.signing.instance_key import key_id

SENDER = uuid.UUID("0190b6a0-0000-7000-8000-00000000000a")
RECEIVER = uuid.UUID("0190b6a0-0000-7000-8000-00000000000b")
CREATED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
SIGNED = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def item(index: int, *, digital: bool = False) -> ManifestItem:
    return ManifestItem(
        work_id=uuid.UUID(int=0x0190B6A0_0000_7000_8000_000000100000 + index),
        identifiers=(Identifier("isbn", f"978000000{index:04d}"),),
        title=f"조선어 문법 {index} — Grammar of Korean, vol. {index}",
        quantity=1 + index % 3,
        format="pdf" if digital else "paperback",
        digital=DigitalObject(f"obj-{index}", 1_000_000 + index, "ab" * 32) if digital else None,
    )


def manifest(count: int = 3) -> Manifest:
    return Manifest(
        shipment_id=uuid.UUID("0190b6a0-0000-7000-8000-0000000000ff"),
        sender=SENDER,
        receiver=RECEIVER,
        created_at=CREATED,
        items=tuple(item(i, digital=i % 2 == 1) for i in range(count)),
    )


def receipt(of: Manifest, *, discrepancies: bool = True) -> Receipt:
    found = (
        (Discrepancy(of.items[0].work_id, of.items[0].quantity, 0, "missing from the crate"),)
        if discrepancies
        else ()
    )
    return Receipt(manifest_digest(of.canonical()), RECEIVED, found)


@dataclass(frozen=True)
class Party:
    partner_id: uuid.UUID
    key: Ed25519PrivateKey
    created_at: datetime = datetime(2025, 1, 1, tzinfo=UTC)
    revoked_at: datetime | None = None

    @property
    def kid(self) -> str:
        return key_id(self.key.public_key())

    def published(self) -> PublishedKey:
        return PublishedKey(
            self.kid, self.partner_id, self.key.public_key(), self.created_at, self.revoked_at
        )


def parties() -> tuple[Party, Party]:
    return Party(SENDER, Ed25519PrivateKey.generate()), Party(
        RECEIVER, Ed25519PrivateKey.generate()
    )


def jwks_document(*members: Party) -> dict[str, Any]:
    return {"keys": [jwks.to_jwk(p.published()) for p in members]}


def ring(*members: Party) -> KeyRing:
    return jwks.parse(jwks_document(*members))
