"""Upload tickets in the GraphQL schema (one URL, or parts), the inputs that start and complete
an upload, and their translation to and from the objects service."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urljoin

import strawberry

from exchange.api.context import Context
from exchange.api.objects.types import ByteCount, DigitalObject
from exchange.api.scalars import to_optional_uuid
from exchange.objects import uploads


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


def absolute_url(ctx: Context, url: str) -> str:
    """Local storage signs paths of this application, made absolute with the configured
    public URL (never the request's Host); S3 URLs are absolute already."""
    return urljoin(ctx.runtime.settings.public_url + "/", url.lstrip("/"))


def upload_draft(given: StartUploadInput) -> uploads.UploadDraft:
    attachment = uploads.Attachment(
        to_optional_uuid(given.work_id, "workId"),
        to_optional_uuid(given.seminar_id, "seminarId"),
        to_optional_uuid(given.shipment_id, "shipmentId"),
    )
    return uploads.UploadDraft(
        given.filename,
        int(given.size),
        given.sha256,
        given.media_type,
        given.licence,
        attachment,
        to_optional_uuid(given.owner_partner_id, "ownerPartnerId"),
        given.required_tag,
        given.embargo_until,
    )


def started_upload(ctx: Context, started: uploads.StartedUpload) -> StartedUpload:
    ticket = started.ticket
    return StartedUpload(
        object=DigitalObject.from_model(started.object),
        expires_at=started.expires_at,
        url=None if ticket is None else absolute_url(ctx, ticket.url),
        method=None if ticket is None else ticket.method,
        headers=[]
        if ticket is None
        else [HttpHeader(name=k, value=v) for k, v in ticket.headers.items()],
        part_size=None if started.part_size is None else ByteCount(started.part_size),
        parts=[PartUrl(number=p.number, url=absolute_url(ctx, p.url)) for p in started.parts],
    )
