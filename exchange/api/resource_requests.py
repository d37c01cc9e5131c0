"""Requests in the GraphQL schema (the module is named apart from the HTTP word)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import errors
from exchange.api.context import Info
from exchange.api.errors import (
    AllocationTravels,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    not_in_union,
    to_graphql,
)
from exchange.api.pagination import Connection, connection
from exchange.api.partners import Partner
from exchange.api.resolvers import listing, lookup, perform_as
from exchange.api.scalars import to_uuid
from exchange.api.works import Work
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.pagination import Page, PageRequest
from exchange.requests import service
from exchange.requests.models import Priority, RequestState
from exchange.requests.models import RequestLine as RequestLineRow
from exchange.requests.models import ResourceRequest as RequestRow

PriorityEnum = strawberry.enum(Priority, name="Priority")
RequestStateEnum = strawberry.enum(RequestState, name="RequestState")


@strawberry.type(
    description="Names a work, or describes a need by subject, language, level and kind."
)
class RequestLine:
    id: strawberry.ID
    request_id: strawberry.ID
    work_id: strawberry.ID | None
    subject: str | None
    language: str | None
    level: WorkLevel | None
    kind: WorkKind | None
    quantity: int
    allocated: int
    outstanding: int
    priority: Priority

    @classmethod
    def from_model(cls, row: RequestLineRow) -> RequestLine:
        return cls(
            id=strawberry.ID(str(row.id)),
            request_id=strawberry.ID(str(row.request_id)),
            work_id=strawberry.ID(str(row.work_id)) if row.work_id else None,
            subject=row.subject,
            language=row.language,
            level=WorkLevel(row.level) if row.level else None,
            kind=WorkKind(row.kind) if row.kind else None,
            quantity=row.quantity,
            allocated=row.allocated,
            outstanding=row.outstanding,
            priority=Priority(row.priority),
        )

    @strawberry.field
    async def work(self, info: Info) -> Work | None:
        if self.work_id is None:
            return None
        row = await info.context.loaders.work_by_id.load(to_uuid(self.work_id))
        return None if row is None else Work.from_model(row)


@strawberry.type(name="Request", description="What a partner needs.")
class ResourceRequest:
    id: strawberry.ID
    partner_id: strawberry.ID
    state: RequestState
    note: str | None = strawberry.field(
        description=(
            "Null unless you may read it: the requesting partner's librarians,"
            " coordinators, admins."
        )
    )
    created_at: datetime

    @classmethod
    def from_model(cls, row: RequestRow, note: str | None) -> ResourceRequest:
        return cls(
            id=strawberry.ID(str(row.id)),
            partner_id=strawberry.ID(str(row.partner_id)),
            state=RequestState(row.state),
            note=note,
            created_at=row.created_at,
        )

    @classmethod
    def from_seen(cls, seen: service.Seen) -> ResourceRequest:
        return cls.from_model(seen.request, seen.note)

    @classmethod
    def from_written(cls, row: RequestRow) -> ResourceRequest:
        """After a write: only the requesting partner's librarians write, and they read it."""
        return cls.from_model(row, row.note)

    @strawberry.field
    async def lines(self, info: Info) -> list[RequestLine]:
        rows = await info.context.loaders.request_lines_by_request_id.load(to_uuid(self.id))
        return [RequestLine.from_model(r) for r in rows]

    @strawberry.field
    async def partner(self, info: Info) -> Partner | None:
        row = await info.context.loaders.partner_by_id.load(to_uuid(self.partner_id))
        return None if row is None else Partner.from_model(row)


@strawberry.input
class RequestLineInput:
    quantity: int
    priority: Priority = Priority.NORMAL
    work_id: strawberry.ID | None = None
    subject: str | None = None
    language: str | None = None
    level: WorkLevel | None = None
    kind: WorkKind | None = None


@strawberry.input
class CreateRequestInput:
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The requesting partner; default: your only library."
    )
    lines: list[RequestLineInput]
    note: str = ""


@strawberry.input
class RequestFilter:
    partner_id: strawberry.ID | None = None
    state: RequestState | None = None


Errors = ValidationError | PermissionDenied | NotFound | AllocationTravels | Conflict
RequestResult = Annotated[ResourceRequest | Errors, strawberry.union("RequestResult")]


def _errors(error: errors.ExchangeError) -> Errors:
    """The schema type of an error a request's mutation may meet (``not_in_union`` otherwise)."""
    found = to_graphql(error)
    if isinstance(found, Errors):
        return found
    raise not_in_union(error) from error


def _draft(data: CreateRequestInput) -> service.RequestDraft:
    lines = [
        service.RequestLineDraft(
            quantity=line.quantity,
            priority=line.priority,
            work_id=to_uuid(line.work_id, f"lines[{i}].workId") if line.work_id else None,
            subject=line.subject,
            language=line.language,
            level=line.level,
            kind=line.kind,
        )
        for i, line in enumerate(data.lines)
    ]
    partner = None if data.partner_id is None else to_uuid(data.partner_id, "partnerId")
    return service.RequestDraft(partner, lines, data.note)


@strawberry.type
class RequestQuery:
    @strawberry.field(
        description=(
            "Requests you may read, oldest first: librarians of any partner, the requesting"
            " partner's members, coordinators and admins."
        )
    )
    async def requests(
        self,
        info: Info,
        filter: RequestFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ResourceRequest]:
        ctx, given = info.context, filter or RequestFilter()

        async def read(session: AsyncSession) -> Page[service.Seen]:
            partner = to_uuid(given.partner_id, "partnerId") if given.partner_id else None
            filters = service.RequestFilter(partner, given.state)
            return await service.list(
                ctx.identity,
                filters,
                PageRequest.parse(first, after),
                session=session,
                policy=ctx.runtime.policy,
            )

        return await listing(
            ctx,
            read,
            lambda page: connection(page, ResourceRequest.from_seen, lambda seen: seen.request.id),
        )

    @strawberry.field
    async def request(self, info: Info, id: strawberry.ID) -> ResourceRequest | None:
        ctx = info.context
        return await lookup(
            ctx,
            lambda session: service.get(
                ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
            ),
            ResourceRequest.from_seen,
        )


@strawberry.type
class RequestMutation:
    @strawberry.mutation(description="Post a request for a partner (its librarians).")
    async def create_request(self, info: Info, input: CreateRequestInput) -> RequestResult:
        ctx = info.context
        try:
            draft = _draft(input)
        except errors.ValidationFailed as error:
            return _errors(error)
        return await perform_as(
            ctx,
            lambda uow: service.create(ctx.identity, draft, uow=uow, policy=ctx.runtime.policy),
            ResourceRequest.from_written,
            _errors,
        )

    @strawberry.mutation(description="Cancel a request; its active allocations are returned.")
    async def cancel_request(self, info: Info, id: strawberry.ID) -> RequestResult:
        ctx = info.context
        return await perform_as(
            ctx,
            lambda uow: service.cancel(
                ctx.identity, to_uuid(id), uow=uow, policy=ctx.runtime.policy
            ),
            ResourceRequest.from_written,
            _errors,
        )
