"""The signed manifest of a shipment in the GraphQL schema, as verified against the keys."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.manifests import verify


@strawberry.type(description="A standard identifier of a manifest item's work.")
class ManifestIdentifier:
    scheme: str
    value: str


@strawberry.type(description="One line of the signed manifest.")
class ManifestItem:
    work_id: strawberry.ID
    title: str
    quantity: int
    format: str
    identifiers: list[ManifestIdentifier]
    object_id: str | None
    size: str | None = strawberry.field(description="Bytes of the file, as a decimal string.")
    sha256: str | None


@strawberry.type(description="A verified signature on the manifest.")
class ManifestSignature:
    role: str = strawberry.field(description="sender or receiver")
    kid: str
    partner_id: strawberry.ID
    alg: str
    signed_at: datetime


@strawberry.type(description="An item that did not arrive as listed.")
class Discrepancy:
    work_id: strawberry.ID
    expected: int
    received: int
    note: str


@strawberry.type(description="The signed manifest, verified against the published keys.")
class Manifest:
    digest: str = strawberry.field(description="SHA-256 of the canonical manifest.")
    created_at: datetime
    items: list[ManifestItem]
    signatures: list[ManifestSignature]
    discrepancies: list[Discrepancy]

    @classmethod
    def from_verified(cls, checked: verify.VerifiedManifest) -> Manifest:
        items = [
            ManifestItem(
                work_id=strawberry.ID(str(i.work_id)),
                title=i.title,
                quantity=i.quantity,
                format=i.format,
                identifiers=[
                    ManifestIdentifier(scheme=x.scheme, value=x.value) for x in i.identifiers
                ],
                object_id=None if i.digital is None else i.digital.object_id,
                size=None if i.digital is None else str(i.digital.size),
                sha256=None if i.digital is None else i.digital.sha256,
            )
            for i in checked.manifest.items
        ]
        signed = [("sender", checked.sender), ("receiver", checked.receiver)]
        signatures = [
            ManifestSignature(
                role=role,
                kid=s.kid,
                partner_id=strawberry.ID(str(s.partner_id)),
                alg=s.alg,
                signed_at=s.signed_at,
            )
            for role, s in signed
            if s is not None
        ]
        found = () if checked.receipt is None else checked.receipt.discrepancies
        return cls(
            digest=checked.digest,
            created_at=checked.manifest.created_at,
            items=items,
            signatures=signatures,
            discrepancies=[
                Discrepancy(
                    work_id=strawberry.ID(str(d.item)),
                    expected=d.expected,
                    received=d.received,
                    note=d.note,
                )
                for d in found
            ],
        )
