"""A digital object in the GraphQL schema, its download link and the usage report."""

from __future__ import annotations

from datetime import date, datetime
from typing import NewType

import strawberry

from exchange.api.context import Info
from exchange.api.partners import Partner
from exchange.api.scalars import to_uuid
from exchange.objects import downloads
from exchange.objects.models import DigitalObject as ObjectRow
from exchange.objects.models import FixityStatus, ObjectState

ByteCount = NewType("ByteCount", int)
BYTE_COUNT = strawberry.scalar(
    name="ByteCount",
    serialize=int,
    parse_value=int,
    description="A number of bytes (beyond Int's 32 bits; exact up to 2^53).",
)
ObjectStateEnum = strawberry.enum(ObjectState, name="ObjectState")
FixityStatusEnum = strawberry.enum(FixityStatus, name="FixityStatus")


def _id(value: object) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="A file in storage, attached to a work, a seminar or a shipment.")
class DigitalObject:
    id: strawberry.ID
    filename: str
    size: ByteCount
    sha256: str
    media_type: str | None = strawberry.field(description="Sniffed from the stored bytes.")
    declared_media_type: str = strawberry.field(description="What the uploader said it is.")
    licence: str = strawberry.field(description="SPDX id or LicenseRef-… name.")
    licence_open: bool
    required_tag: str | None = strawberry.field(description="A partner tag that entitles.")
    embargo_until: date | None
    work_id: strawberry.ID | None
    seminar_id: strawberry.ID | None
    shipment_id: strawberry.ID | None
    owner_partner_id: strawberry.ID
    state: ObjectState
    rejection_reason: str | None
    created_at: datetime
    completed_at: datetime | None
    fixity_status: FixityStatus | None
    fixity_checked_at: datetime | None

    @classmethod
    def from_model(cls, row: ObjectRow) -> DigitalObject:
        return cls(
            id=strawberry.ID(str(row.id)),
            filename=row.filename,
            size=ByteCount(row.size),
            sha256=row.sha256,
            media_type=row.media_type,
            declared_media_type=row.declared_media_type,
            licence=row.licence,
            licence_open=row.licence_open,
            required_tag=row.required_tag,
            embargo_until=row.embargo_until,
            work_id=_id(row.work_id),
            seminar_id=_id(row.seminar_id),
            shipment_id=_id(row.shipment_id),
            owner_partner_id=strawberry.ID(str(row.owner_partner_id)),
            state=ObjectState(row.state),
            rejection_reason=row.rejection_reason,
            created_at=row.created_at,
            completed_at=row.completed_at,
            fixity_status=None if row.fixity_status is None else FixityStatus(row.fixity_status),
            fixity_checked_at=row.fixity_checked_at,
        )

    @strawberry.field(description="The owning partner, when visible to you.")
    async def owner(self, info: Info) -> Partner | None:
        row = await info.context.loaders.partner_by_id.load(to_uuid(self.owner_partner_id))
        return None if row is None else Partner.from_model(row)


@strawberry.type(description="A short-lived URL that serves the object.")
class DownloadLink:
    url: str
    expires_at: datetime
    object: DigitalObject


@strawberry.type
class UsageRow:
    partner_id: strawberry.ID | None
    work_id: strawberry.ID | None
    downloads: int


@strawberry.type(description="Downloads over a period of whole UTC days, both included.")
class UsageReport:
    from_: date = strawberry.field(name="from")
    to: date
    total: int
    rows: list[UsageRow] = strawberry.field(description="Per partner and work.")
    by_partner: list[UsageRow] = strawberry.field(description="Per partner (workId null).")
    by_work: list[UsageRow] = strawberry.field(description="Per work (partnerId null).")

    @classmethod
    def from_report(cls, report: downloads.UsageReport) -> UsageReport:
        return cls(
            from_=report.start,
            to=report.end,
            total=report.total,
            rows=[
                UsageRow(
                    partner_id=_id(r.partner_id), work_id=_id(r.work_id), downloads=r.downloads
                )
                for r in report.rows
            ],
            by_partner=[
                UsageRow(partner_id=_id(p), work_id=None, downloads=n)
                for p, n in report.by_partner().items()
            ],
            by_work=[
                UsageRow(partner_id=None, work_id=_id(w), downloads=n)
                for w, n in report.by_work().items()
            ],
        )
