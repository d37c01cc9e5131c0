"""Digital objects in the GraphQL schema: uploads, downloads, usage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, NewType
from urllib.parse import urljoin

import strawberry

from exchange import errors
from exchange.api.context import Context, Info
from exchange.api.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    query_error,
    to_graphql,
)
from exchange.api.pagination import Connection, connection
from exchange.api.partners import Partner
from exchange.api.scalars import to_uuid
from exchange.objects import downloads, service, uploads
from exchange.objects.errors import UploadRejected as UploadRejectedError
from exchange.objects.models import DigitalObject as ObjectRow
from exchange.objects.models import FixityStatus, ObjectState
from exchange.pagination import PageRequest
from exchange.storage.base import Part
from exchange.storage.errors import StorageError

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


@strawberry.type
class HttpHeader:
    name: str
    value: str


@strawberry.type(description="Send part `number` with PUT to `url`; keep the answer's ETag.")
class PartUrl:
    number: int
    url: str


@strawberry.type(description="Where to send the bytes: one `url`, or `parts` of `partSize`.")
class StartedUpload:
    object: DigitalObject
    expires_at: datetime
    url: str | None
    method: str | None
    headers: list[HttpHeader]
    part_size: ByteCount | None
    parts: list[PartUrl]


@strawberry.type(description="The stored bytes differ from the declared ones; they were deleted.")
class UploadRejected:
    message: str
    reason: str
    object_id: strawberry.ID


@strawberry.type(description="The storage failed or refused; nothing was made available.")
class StorageFailure:
    message: str
    code: str


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


@strawberry.input
class StartUploadInput:
    filename: str
    size: ByteCount
    sha256: str
    media_type: str
    licence: str
    work_id: strawberry.ID | None = None
    seminar_id: strawberry.ID | None = None
    shipment_id: strawberry.ID | None = None
    owner_partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the one partner you are a librarian of."
    )
    required_tag: str | None = None
    embargo_until: date | None = None
    multipart: bool | None = strawberry.field(
        default=None,
        description="true: part URLs at any size; false: one URL (at most 5 GiB); "
        "default: parts above 64 MiB.",
    )


@strawberry.input
class PartInput:
    number: int
    etag: str


@strawberry.input
class CompleteUploadInput:
    id: strawberry.ID
    parts: list[PartInput] | None = None


@strawberry.input
class DigitalObjectFilter:
    work_id: strawberry.ID | None = None
    seminar_id: strawberry.ID | None = None
    shipment_id: strawberry.ID | None = None
    owner_partner_id: strawberry.ID | None = None
    state: ObjectState | None = None


StartUploadResult = Annotated[
    StartedUpload | ValidationError | PermissionDenied | NotFound | Conflict | StorageFailure,
    strawberry.union("StartUploadResult"),
]
CompleteUploadResult = Annotated[
    DigitalObject
    | UploadRejected
    | StorageFailure
    | ValidationError
    | PermissionDenied
    | NotFound
    | Conflict,
    strawberry.union("CompleteUploadResult"),
]
AbortUploadResult = Annotated[
    DigitalObject | PermissionDenied | NotFound | Conflict | ValidationError,
    strawberry.union("AbortUploadResult"),
]
RequestDownloadResult = Annotated[
    DownloadLink | PermissionDenied | NotFound | Conflict | ValidationError | StorageFailure,
    strawberry.union("RequestDownloadResult"),
]

Failure = ValidationError | PermissionDenied | NotFound | Conflict | UploadRejected | StorageFailure


def _failure(error: errors.ExchangeError) -> Failure:
    if isinstance(error, UploadRejectedError):
        return UploadRejected(
            message=error.message, reason=error.reason, object_id=strawberry.ID(error.object_id)
        )
    if isinstance(error, StorageError):
        return StorageFailure(message=error.message, code=error.code)
    return to_graphql(error)  # type: ignore[return-value]


def _absolute(ctx: Context, url: str) -> str:
    """Local storage signs paths of this application, made absolute with the configured
    public URL (never the request's Host); S3 URLs are absolute already."""
    return urljoin(ctx.runtime.settings.public_url + "/", url.lstrip("/"))


def _uuid(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    return None if value is None else to_uuid(value, field)


def _draft(given: StartUploadInput) -> uploads.UploadDraft:
    attachment = uploads.Attachment(
        _uuid(given.work_id, "workId"),
        _uuid(given.seminar_id, "seminarId"),
        _uuid(given.shipment_id, "shipmentId"),
    )
    return uploads.UploadDraft(
        given.filename,
        int(given.size),
        given.sha256,
        given.media_type,
        given.licence,
        attachment,
        _uuid(given.owner_partner_id, "ownerPartnerId"),
        given.required_tag,
        given.embargo_until,
    )


def _started(ctx: Context, started: uploads.StartedUpload) -> StartedUpload:
    ticket = started.ticket
    return StartedUpload(
        object=DigitalObject.from_model(started.object),
        expires_at=started.expires_at,
        url=None if ticket is None else _absolute(ctx, ticket.url),
        method=None if ticket is None else ticket.method,
        headers=[]
        if ticket is None
        else [HttpHeader(name=k, value=v) for k, v in ticket.headers.items()],
        part_size=None if started.part_size is None else ByteCount(started.part_size),
        parts=[PartUrl(number=p.number, url=_absolute(ctx, p.url)) for p in started.parts],
    )


@strawberry.type
class ObjectQuery:
    @strawberry.field(description="One digital object, or null when it is not visible to you.")
    async def digital_object(self, info: Info, id: strawberry.ID) -> DigitalObject | None:
        ctx = info.context
        try:
            async with ctx.reads.session() as session:
                row = await service.get(
                    ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
                )
        except errors.NotFound:
            return None
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return DigitalObject.from_model(row)

    @strawberry.field(description="Digital objects you may see, oldest first.")
    async def digital_objects(
        self,
        info: Info,
        filter: DigitalObjectFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DigitalObject]:
        ctx, given = info.context, filter or DigitalObjectFilter()
        try:
            filters = service.ObjectFilter(
                _uuid(given.work_id, "workId"),
                _uuid(given.seminar_id, "seminarId"),
                _uuid(given.shipment_id, "shipmentId"),
                _uuid(given.owner_partner_id, "ownerPartnerId"),
                given.state,
            )
            async with ctx.reads.session() as session:
                page = await service.list(
                    ctx.identity,
                    filters,
                    PageRequest.parse(first, after),
                    session=session,
                    policy=ctx.runtime.policy,
                )
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return connection(page, DigitalObject.from_model, lambda row: row.id)

    @strawberry.field(
        description="Downloads per partner and work (coordinators, admins, and a "
        "partner's librarians for their own partner)."
    )
    async def usage_report(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        partner_id: strawberry.ID | None = None,
        work_id: strawberry.ID | None = None,
    ) -> UsageReport:
        ctx = info.context
        try:
            async with ctx.reads.session() as session:
                report = await downloads.usage_report(
                    ctx.identity,
                    from_,
                    to,
                    partner_id=_uuid(partner_id, "partnerId"),
                    work_id=_uuid(work_id, "workId"),
                    session=session,
                    policy=ctx.runtime.policy,
                )
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return UsageReport.from_report(report)


@strawberry.type
class ObjectMutation:
    @strawberry.mutation(description="Register a digital object and get URL(s) for its bytes.")
    async def start_upload(self, info: Info, input: StartUploadInput) -> StartUploadResult:
        ctx = info.context
        rt = ctx.runtime
        try:
            async with rt.db.unit_of_work() as uow:
                started = await uploads.start_upload(
                    ctx.identity,
                    _draft(input),
                    uow=uow,
                    storage=rt.storage,
                    policy=rt.policy,
                    multipart=input.multipart,
                )
        except errors.ExchangeError as error:
            return _failure(error)  # type: ignore[return-value]
        return _started(ctx, started)

    @strawberry.mutation(description="Verify the uploaded bytes and make the object available.")
    async def complete_upload(self, info: Info, input: CompleteUploadInput) -> CompleteUploadResult:
        ctx = info.context
        rt = ctx.runtime
        parts = [Part(p.number, p.etag) for p in input.parts or []]
        try:
            completion = await uploads.complete_upload(
                ctx.identity,
                to_uuid(input.id),
                parts,
                db=rt.db,
                storage=rt.storage,
                policy=rt.policy,
            )
        except errors.ExchangeError as error:
            return _failure(error)
        if completion.rejected is not None:
            return _failure(completion.rejected)
        return DigitalObject.from_model(completion.object)

    @strawberry.mutation(description="Give up a pending upload; its bytes are discarded.")
    async def abort_upload(self, info: Info, id: strawberry.ID) -> AbortUploadResult:
        ctx = info.context
        rt = ctx.runtime
        try:
            async with rt.db.unit_of_work() as uow:
                row = await uploads.abort_upload(
                    ctx.identity, to_uuid(id), uow=uow, storage=rt.storage, policy=rt.policy
                )
        except errors.ExchangeError as error:
            return _failure(error)  # type: ignore[return-value]
        return DigitalObject.from_model(row)

    @strawberry.mutation(description="A short-lived download URL, when you are entitled.")
    async def request_download(self, info: Info, id: strawberry.ID) -> RequestDownloadResult:
        ctx = info.context
        rt = ctx.runtime
        try:
            async with rt.db.unit_of_work() as uow:
                grant = await downloads.download(
                    ctx.identity, to_uuid(id), uow=uow, storage=rt.storage, policy=rt.policy
                )
        except errors.ExchangeError as error:
            return _failure(error)  # type: ignore[return-value]
        url = _absolute(ctx, grant.url)
        return DownloadLink(
            url=url, expires_at=grant.expires_at, object=DigitalObject.from_model(grant.object)
        )
