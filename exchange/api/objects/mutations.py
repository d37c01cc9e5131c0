"""Actions on digital objects: start, complete and abort an upload, and ask for a download,
each returning a named union of its result and the errors it may meet."""

from __future__ import annotations

from typing import Annotated

import strawberry

from exchange import errors
from exchange.api.context import Info
from exchange.api.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    not_in_union,
    to_graphql,
)
from exchange.api.objects.types import DigitalObject, DownloadLink
from exchange.api.objects.uploads import (
    CompleteUploadInput,
    StartedUpload,
    StartUploadInput,
    absolute_url,
    started_upload,
    upload_draft,
)
from exchange.api.scalars import to_uuid
from exchange.objects import downloads, uploads
from exchange.objects.errors import UploadRejected as UploadRejectedError
from exchange.storage.base import Part
from exchange.storage.errors import StorageError


@strawberry.type(description="The stored bytes differ from the declared ones; they were deleted.")
class UploadRejected:
    message: str
    reason: str
    object_id: strawberry.ID


@strawberry.type(description="The storage failed or refused; nothing was made available.")
class StorageFailure:
    message: str
    code: str


StartFailure = ValidationError | PermissionDenied | NotFound | Conflict | StorageFailure
CompleteFailure = (
    UploadRejected | StorageFailure | ValidationError | PermissionDenied | NotFound | Conflict
)
AbortFailure = PermissionDenied | NotFound | Conflict | ValidationError
DownloadFailure = PermissionDenied | NotFound | Conflict | ValidationError | StorageFailure

StartUploadResult = Annotated[StartedUpload | StartFailure, strawberry.union("StartUploadResult")]
CompleteUploadResult = Annotated[
    DigitalObject | CompleteFailure, strawberry.union("CompleteUploadResult")
]
AbortUploadResult = Annotated[DigitalObject | AbortFailure, strawberry.union("AbortUploadResult")]
RequestDownloadResult = Annotated[
    DownloadLink | DownloadFailure, strawberry.union("RequestDownloadResult")
]


def _failure(error: errors.ExchangeError) -> CompleteFailure:
    """The schema type of a domain error (every error any object mutation may meet)."""
    if isinstance(error, UploadRejectedError):
        return UploadRejected(
            message=error.message, reason=error.reason, object_id=strawberry.ID(error.object_id)
        )
    if isinstance(error, StorageError):
        return StorageFailure(message=error.message, code=error.code)
    found = to_graphql(error)
    if isinstance(found, CompleteFailure):
        return found
    raise not_in_union(error) from error


def _start_failure(error: errors.ExchangeError) -> StartFailure:
    found = _failure(error)
    if isinstance(found, StartFailure):
        return found
    raise not_in_union(error) from error


def _abort_failure(error: errors.ExchangeError) -> AbortFailure:
    found = _failure(error)
    if isinstance(found, AbortFailure):
        return found
    raise not_in_union(error) from error


def _download_failure(error: errors.ExchangeError) -> DownloadFailure:
    found = _failure(error)
    if isinstance(found, DownloadFailure):
        return found
    raise not_in_union(error) from error


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
                    upload_draft(input),
                    uow=uow,
                    storage=rt.storage,
                    policy=rt.policy,
                    multipart=input.multipart,
                )
        except errors.ExchangeError as error:
            return _start_failure(error)
        return started_upload(ctx, started)

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
                    ctx.identity,
                    to_uuid(id),
                    uow=uow,
                    storage=rt.storage,
                    policy=rt.policy,
                )
        except errors.ExchangeError as error:
            return _abort_failure(error)
        return DigitalObject.from_model(row)

    @strawberry.mutation(description="A short-lived download URL, when you are entitled.")
    async def request_download(self, info: Info, id: strawberry.ID) -> RequestDownloadResult:
        ctx = info.context
        rt = ctx.runtime
        try:
            async with rt.db.unit_of_work() as uow:
                grant = await downloads.download(
                    ctx.identity,
                    to_uuid(id),
                    uow=uow,
                    storage=rt.storage,
                    policy=rt.policy,
                )
        except errors.ExchangeError as error:
            return _download_failure(error)
        url = absolute_url(ctx, grant.url)
        return DownloadLink(
            url=url, expires_at=grant.expires_at, object=DigitalObject.from_model(grant.object)
        )
