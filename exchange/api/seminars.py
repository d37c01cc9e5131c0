"""Seminars in the GraphQL schema."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry

from exchange import errors
from exchange.api.context import Info
from exchange.api.errors import (
    NotFound,
    PermissionDenied,
    ValidationError,
    not_in_union,
    query_error,
    to_graphql,
)
from exchange.api.pagination import Connection, connection
from exchange.api.partners import Partner
from exchange.api.resolvers import lookup, perform_as
from exchange.api.scalars import to_uuid
from exchange.api.works import Work
from exchange.db.uow import UnitOfWork
from exchange.pagination import PageRequest
from exchange.seminars import service
from exchange.seminars.models import Seminar as SeminarRow


@strawberry.type(description="A seminar held by a partner, with its materials.")
class Seminar:
    id: strawberry.ID
    title: str
    presenters: list[str]
    language: str = strawberry.field(description="ISO 639 code.")
    held_on: date
    created_at: datetime
    updated_at: datetime
    host_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: SeminarRow) -> Seminar:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            presenters=list(row.presenters),
            language=row.language,
            held_on=row.held_on,
            created_at=row.created_at,
            updated_at=row.updated_at,
            host_id=row.host_partner_id,
        )

    @strawberry.field(description="The host partner, when visible to you.")
    async def host(self, info: Info) -> Partner | None:
        row = await info.context.loaders.partner_by_id.load(self.host_id)
        return None if row is None else Partner.from_model(row)

    @strawberry.field(description="Seminar materials and recorded lectures, in order.")
    async def materials(self, info: Info) -> list[Work]:
        rows = await info.context.loaders.materials_by_seminar_id.load(to_uuid(self.id))
        return [Work.from_model(w) for w in rows]


@strawberry.input
class SeminarFilter:
    host_partner_id: strawberry.ID | None = None
    language: str | None = None
    held_from: date | None = None
    held_to: date | None = None


@strawberry.input
class CreateSeminarInput:
    title: str
    language: str
    held_on: date
    presenters: list[str] = strawberry.field(default_factory=list)
    host_partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The host; default: your only library."
    )
    material_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Fields left out keep their value; a list given replaces it.")
class UpdateSeminarInput:
    id: strawberry.ID
    title: str | None = None
    language: str | None = None
    held_on: date | None = None
    presenters: list[str] | None = None
    material_ids: list[strawberry.ID] | None = None


Errors = ValidationError | PermissionDenied | NotFound
CreateSeminarResult = Annotated[Seminar | Errors, strawberry.union("CreateSeminarResult")]
UpdateSeminarResult = Annotated[Seminar | Errors, strawberry.union("UpdateSeminarResult")]


def _errors(error: errors.ExchangeError) -> Errors:
    """The schema type of an error a seminar's mutation may meet (``not_in_union`` otherwise)."""
    found = to_graphql(error)
    if isinstance(found, Errors):
        return found
    raise not_in_union(error) from error


def _material_ids(items: list[strawberry.ID] | None) -> list[uuid.UUID] | None:
    if items is None:
        return None
    return [to_uuid(m, f"materialIds[{n}]") for n, m in enumerate(items)]


@strawberry.type
class SeminarQuery:
    @strawberry.field(description="Seminars, oldest record first.")
    async def seminars(
        self,
        info: Info,
        filter: SeminarFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Seminar]:
        ctx = info.context
        given = filter or SeminarFilter()
        try:
            page_request = PageRequest.parse(first, after)
            host = None if given.host_partner_id is None else to_uuid(given.host_partner_id)
            filters = service.SeminarFilter(host, given.language, given.held_from, given.held_to)
            async with ctx.reads.session() as session:
                page = await service.list(
                    ctx.identity, filters, page_request, session=session, policy=ctx.runtime.policy
                )
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return connection(page, Seminar.from_model, lambda row: row.id)

    @strawberry.field(description="One seminar, or null when it does not exist.")
    async def seminar(self, info: Info, id: strawberry.ID) -> Seminar | None:
        ctx = info.context
        return await lookup(
            ctx,
            lambda session: service.get(
                ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
            ),
            Seminar.from_model,
        )


@strawberry.type
class SeminarMutation:
    @strawberry.mutation(description="Record a seminar (librarians of the host, staff).")
    async def create_seminar(self, info: Info, input: CreateSeminarInput) -> CreateSeminarResult:
        ctx = info.context

        async def work(uow: UnitOfWork) -> SeminarRow:
            host = None if input.host_partner_id is None else to_uuid(input.host_partner_id)
            draft = service.SeminarDraft(
                input.title,
                input.presenters,
                input.language,
                input.held_on,
                host,
                _material_ids(input.material_ids) or [],
            )
            return await service.create(ctx.identity, draft, uow=uow, policy=ctx.runtime.policy)

        return await perform_as(ctx, work, Seminar.from_model, _errors)

    @strawberry.mutation(description="Change a seminar (librarians of the host, staff).")
    async def update_seminar(self, info: Info, input: UpdateSeminarInput) -> UpdateSeminarResult:
        ctx = info.context

        async def work(uow: UnitOfWork) -> SeminarRow:
            patch = service.SeminarPatch(
                input.title,
                input.presenters,
                input.language,
                input.held_on,
                _material_ids(input.material_ids),
            )
            return await service.update(
                ctx.identity, to_uuid(input.id), patch, uow=uow, policy=ctx.runtime.policy
            )

        return await perform_as(ctx, work, Seminar.from_model, _errors)
