"""Queries and mutations of the catalogue's works in the GraphQL schema."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from exchange import errors
from exchange.api import works
from exchange.api.context import Info
from exchange.api.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    not_in_union,
    query_error,
    to_graphql,
)
from exchange.api.pagination import Connection, Edge, PageInfo, node_fields
from exchange.api.partners import LocalizedNameInput
from exchange.api.resolvers import lookup, perform_as
from exchange.api.scalars import to_uuid
from exchange.api.works import Work
from exchange.catalogue import service
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.models import Work as WorkRow
from exchange.catalogue.search import Cursor
from exchange.catalogue.validation import ContributorDraft, ContributorRole, IssueDraft, WorkDraft
from exchange.db.uow import UnitOfWork
from exchange.pagination import PageRequest


@strawberry.input
class WorkFilter:
    kind: WorkKind | None = None
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Catalogued by, or co-authored with, this partner."
    )
    available_digitally: bool | None = None


@strawberry.input
class ContributorInput:
    name: str
    role: ContributorRole = ContributorRole.AUTHOR
    romanized: str | None = None


@strawberry.input
class IdentifierInput:
    scheme: IdentifierScheme
    value: str


@strawberry.input
class JournalIssueInput:
    volume: str
    number: str
    year: int


@strawberry.input
class CreateWorkInput:
    kind: WorkKind
    titles: list[LocalizedNameInput]
    language: str
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The partner cataloguing it; default: your only library."
    )
    contributors: list[ContributorInput] = strawberry.field(default_factory=list)
    publisher: str | None = None
    year: int | None = None
    subjects: list[str] = strawberry.field(default_factory=list)
    level: WorkLevel | None = None
    identifiers: list[IdentifierInput] = strawberry.field(default_factory=list)
    issues: list[JournalIssueInput] = strawberry.field(default_factory=list)
    co_author_partner_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    course_number: str | None = None
    instructor: str | None = None
    duration_seconds: int | None = None


@strawberry.input(description="Fields left out keep their value; a list given replaces it.")
class UpdateWorkInput:
    id: strawberry.ID
    kind: WorkKind | None = None
    titles: list[LocalizedNameInput] | None = None
    language: str | None = None
    contributors: list[ContributorInput] | None = None
    publisher: str | None = None
    year: int | None = None
    subjects: list[str] | None = None
    level: WorkLevel | None = None
    identifiers: list[IdentifierInput] | None = None
    issues: list[JournalIssueInput] | None = None
    co_author_partner_ids: list[strawberry.ID] | None = None
    course_number: str | None = None
    instructor: str | None = None
    duration_seconds: int | None = None


Errors = ValidationError | PermissionDenied | NotFound | Conflict
CreateWorkResult = Annotated[Work | Errors, strawberry.union("CreateWorkResult")]
UpdateWorkResult = Annotated[Work | Errors, strawberry.union("UpdateWorkResult")]


def _errors(error: errors.ExchangeError) -> Errors:
    """The schema type of an error a work's mutation may meet (``not_in_union`` otherwise)."""
    found = to_graphql(error)
    if isinstance(found, Errors):
        return found
    raise not_in_union(error) from error


def _contributors(items: list[ContributorInput] | None) -> list[ContributorDraft] | None:
    return None if items is None else [ContributorDraft(c.name, c.role, c.romanized) for c in items]


def _identifiers(
    items: list[IdentifierInput] | None,
) -> list[tuple[IdentifierScheme, str]] | None:
    return None if items is None else [(i.scheme, i.value) for i in items]


def _issues(items: list[JournalIssueInput] | None) -> list[IssueDraft] | None:
    return None if items is None else [IssueDraft(i.volume, i.number, i.year) for i in items]


def _partner_ids(items: list[strawberry.ID] | None) -> list[uuid.UUID] | None:
    if items is None:
        return None
    return [to_uuid(p, f"coAuthorPartnerIds[{n}]") for n, p in enumerate(items)]


def _titles(items: list[LocalizedNameInput] | None) -> list[tuple[str, str]] | None:
    return None if items is None else [(t.lang, t.value) for t in items]


def _draft(given: CreateWorkInput) -> WorkDraft:
    return WorkDraft(
        kind=given.kind,
        titles=_titles(given.titles) or [],
        language=given.language,
        partner_id=None if given.partner_id is None else to_uuid(given.partner_id, "partnerId"),
        contributors=_contributors(given.contributors) or [],
        publisher=given.publisher,
        year=given.year,
        subjects=given.subjects,
        level=given.level,
        identifiers=_identifiers(given.identifiers) or [],
        issues=_issues(given.issues) or [],
        co_author_partner_ids=_partner_ids(given.co_author_partner_ids) or [],
        course_number=given.course_number,
        instructor=given.instructor,
        duration_seconds=given.duration_seconds,
    )


def _patch(given: UpdateWorkInput) -> service.WorkPatch:
    return service.WorkPatch(
        kind=given.kind,
        titles=_titles(given.titles),
        language=given.language,
        contributors=_contributors(given.contributors),
        publisher=given.publisher,
        year=given.year,
        subjects=given.subjects,
        level=given.level,
        identifiers=_identifiers(given.identifiers),
        issues=_issues(given.issues),
        co_author_partner_ids=_partner_ids(given.co_author_partner_ids),
        course_number=given.course_number,
        instructor=given.instructor,
        duration_seconds=given.duration_seconds,
    )


@strawberry.type
class CatalogueQuery:
    @strawberry.field(
        description="Works matching a free-text search (any script, ranked best first) "
        "and filters; without search, oldest first. A search that is an ISBN, ISSN or DOI "
        "in any usual spelling puts the work it identifies first."
    )
    async def works(
        self,
        info: Info,
        search: str | None = None,
        filter: WorkFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Work]:
        ctx = info.context
        given = filter or WorkFilter()
        try:
            size = PageRequest.parse(first, None).first
            cursor = None if after is None else Cursor.decode(after)
            partner = None if given.partner_id is None else to_uuid(given.partner_id, "partnerId")
            filters = service.WorkFilter(
                search,
                given.kind,
                given.language,
                given.year_from,
                given.year_to,
                partner,
                given.available_digitally,
            )
            wanted = node_fields(info)
            async with ctx.reads.session() as session:
                page = await service.list(
                    ctx.identity, filters, size, cursor, session=session, policy=ctx.runtime.policy
                )
                await works.prime(ctx, [r.work for r in page.items], wanted, session)
            nodes = [Work.from_model(r.work) for r in page.items]
        except errors.ExchangeError as error:
            raise query_error(error) from error
        edges = [
            Edge(cursor=r.cursor.encode(), node=node)
            for r, node in zip(page.items, nodes, strict=True)
        ]
        end = edges[-1].cursor if edges else None
        return Connection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=end),
        )

    @strawberry.field(description="One work, or null when it does not exist.")
    async def work(self, info: Info, id: strawberry.ID) -> Work | None:
        ctx = info.context
        return await lookup(
            ctx,
            lambda session: service.get(
                ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
            ),
            Work.from_model,
        )


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(description="Catalogue a work (librarians of an active partner).")
    async def create_work(self, info: Info, input: CreateWorkInput) -> CreateWorkResult:
        ctx = info.context
        return await perform_as(
            ctx,
            lambda uow: service.create(
                ctx.identity, _draft(input), uow=uow, policy=ctx.runtime.policy
            ),
            Work.from_model,
            _errors,
        )

    @strawberry.mutation(
        description="Change a work (its partner's librarians, coordinators, admins)."
    )
    async def update_work(self, info: Info, input: UpdateWorkInput) -> UpdateWorkResult:
        ctx = info.context

        async def work(uow: UnitOfWork) -> WorkRow:
            patch = _patch(input)  # a bad patch is told before a malformed id
            return await service.update(
                ctx.identity, to_uuid(input.id), patch, uow=uow, policy=ctx.runtime.policy
            )

        return await perform_as(ctx, work, Work.from_model, _errors)
