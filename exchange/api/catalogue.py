"""Works of the catalogue in the GraphQL schema."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

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
from exchange.api.loaders.relations_by_work_id import WorkRelations, relations_of
from exchange.api.pagination import Connection, Edge, PageInfo, node_fields
from exchange.api.partners import LocalizedName, LocalizedNameInput, Partner
from exchange.api.resolvers import lookup
from exchange.api.scalars import to_uuid
from exchange.catalogue import identifiers, service
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.models import Work as WorkRow
from exchange.catalogue.search import Cursor
from exchange.catalogue.validation import ContributorDraft, ContributorRole, IssueDraft, WorkDraft
from exchange.pagination import PageRequest
from exchange.partners import service as partners

if TYPE_CHECKING:
    from exchange.api.seminars import Seminar

WorkKindEnum = strawberry.enum(WorkKind, name="WorkKind")
WorkLevelEnum = strawberry.enum(WorkLevel, name="WorkLevel")
IdentifierSchemeEnum = strawberry.enum(IdentifierScheme, name="IdentifierScheme")
ContributorRoleEnum = strawberry.enum(ContributorRole, name="ContributorRole")
T = TypeVar("T")


@strawberry.type
class Contributor:
    name: str
    romanized: str | None
    role: ContributorRole


@strawberry.type(description="A validated identifier; ISBNs are always shown as ISBN-13.")
class Identifier:
    scheme: IdentifierScheme
    value: str


@strawberry.type
class JournalIssue:
    volume: str
    number: str
    year: int


@strawberry.type(description="A bibliographic record of the catalogue.")
class Work:
    id: strawberry.ID
    kind: WorkKind
    titles: list[LocalizedName]
    title: str = strawberry.field(description="The preferred (first) title.")
    language: str = strawberry.field(description="ISO 639 code.")
    publisher: str | None
    year: int | None
    subjects: list[str]
    level: WorkLevel | None
    course_number: str | None
    instructor: str | None
    duration_seconds: int | None
    available_digitally: bool = strawberry.field(
        description="Whether a digital copy exists (always false until digital objects do)."
    )
    created_at: datetime
    updated_at: datetime
    partner_id: strawberry.Private[uuid.UUID]
    # Read along with a page of works when the query asks for them (see ``works``); the
    # fields below then answer without awaiting anything, and fall back to the loaders
    # for works that come one at a time.
    relations: strawberry.Private[WorkRelations | None] = None
    creator: strawberry.Private[Partner | None] = None
    creator_known: strawberry.Private[bool] = False

    @classmethod
    def from_model(cls, row: WorkRow) -> Work:
        titles = [LocalizedName(lang=t["lang"], value=t["value"]) for t in row.titles]
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=WorkKind(row.kind),
            titles=titles,
            title=titles[0].value if titles else "",
            language=row.language,
            publisher=row.publisher,
            year=row.year,
            subjects=list(row.subjects),
            level=None if row.level is None else WorkLevel(row.level),
            course_number=row.course_number,
            instructor=row.instructor,
            duration_seconds=row.duration_seconds,
            available_digitally=row.available_digitally,
            created_at=row.created_at,
            updated_at=row.updated_at,
            partner_id=row.created_by_partner_id,
        )

    # The resolvers below are plain functions: with the data at hand they return it, and a
    # list of 20 works costs no coroutine, task or event-loop turn per field (measured: 100
    # async leaf resolvers were a third of a search page's time). Without it they return
    # the loader's awaitable, which graphql-core awaits like an async resolver's result.

    def _related(self, info: Info, pick: Callable[[WorkRelations], list[T]]) -> list[T]:
        if self.relations is not None:
            return pick(self.relations)
        return cast("list[T]", self._load_related(info, pick))

    async def _load_related(self, info: Info, pick: Callable[[WorkRelations], list[T]]) -> list[T]:
        return pick(await info.context.loaders.relations_by_work_id.load(to_uuid(self.id)))

    async def _load_creator(self, info: Info) -> Partner | None:
        row = await info.context.loaders.partner_by_id.load(self.partner_id)
        return None if row is None else Partner.from_model(row)

    @strawberry.field(description="The partner that catalogued it, when visible to you.")
    def created_by(self, info: Info) -> Partner | None:
        if self.creator_known:
            return self.creator
        return cast("Partner | None", self._load_creator(info))

    @strawberry.field
    def contributors(self, info: Info) -> list[Contributor]:
        return self._related(info, _contributors_of)

    @strawberry.field
    def identifiers(self, info: Info) -> list[Identifier]:
        return self._related(info, _identifiers_of)

    @strawberry.field(description="Issues of a journal, oldest first.")
    def issues(self, info: Info) -> list[JournalIssue]:
        return self._related(info, _issues_of)

    @strawberry.field(description="Co-authoring partner institutions of a co-publication.")
    def co_authors(self, info: Info) -> list[Partner]:
        return self._related(info, _co_authors_of)

    @strawberry.field(description="Seminars that use this work as material.")
    def seminars(
        self, info: Info
    ) -> list[Annotated[Seminar, strawberry.lazy("exchange.api.seminars")]]:
        return self._related(info, _seminars_of)


def _contributors_of(found: WorkRelations) -> list[Contributor]:
    return [
        Contributor(name=c.name, romanized=c.romanized, role=ContributorRole(c.role))
        for c in found.contributors
    ]


def _identifiers_of(found: WorkRelations) -> list[Identifier]:
    return [
        Identifier(scheme=IdentifierScheme(i.scheme), value=identifiers.display(i.scheme, i.value))
        for i in found.identifiers
    ]


def _issues_of(found: WorkRelations) -> list[JournalIssue]:
    return [JournalIssue(volume=i.volume, number=i.number, year=i.year) for i in found.issues]


def _co_authors_of(found: WorkRelations) -> list[Partner]:
    return [Partner.from_model(p) for p in found.co_authors] if found.co_authors else []


def _seminars_of(found: WorkRelations) -> list[Seminar]:
    if not found.seminars:  # most works: no import machinery on the hot path
        return []
    from exchange.api.seminars import Seminar

    return [Seminar.from_model(s) for s in found.seminars]


# Fields of a work read from its relations (one batch for a page).
RELATED_FIELDS = frozenset({"contributors", "identifiers", "issues", "coAuthors", "seminars"})


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


CreateWorkResult = Annotated[
    Work | ValidationError | PermissionDenied | NotFound | Conflict,
    strawberry.union("CreateWorkResult"),
]
UpdateWorkResult = Annotated[
    Work | ValidationError | PermissionDenied | NotFound | Conflict,
    strawberry.union("UpdateWorkResult"),
]


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


async def _described(
    ctx: Context, rows: list[WorkRow], wanted: frozenset[str], session: AsyncSession
) -> list[Work]:
    """Works of a page, with the relations and creating partners the query asks for read
    in the page's own session: three or four queries for the page, whatever its size."""
    nodes = [Work.from_model(row) for row in rows]
    if not rows:
        return nodes
    who, policy = ctx.identity, ctx.runtime.policy
    if wanted & RELATED_FIELDS:
        ids = [row.id for row in rows]
        found = await relations_of(who, ids, session=session, policy=policy)
        for node, related in zip(nodes, found, strict=True):
            node.relations = related
    if "createdBy" in wanted:
        creators = {row.created_by_partner_id for row in rows}
        readable = await partners.get_many(who, creators, session=session, policy=policy)
        shown = {i: Partner.from_model(p) for i, p in readable.items()}  # one per partner
        for node in nodes:
            node.creator, node.creator_known = shown.get(node.partner_id), True
    return nodes


@strawberry.type
class CatalogueQuery:
    @strawberry.field(
        description="Works matching a free-text search (any script, ranked best first) "
        "and filters; without search, oldest first."
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
            async with ctx.runtime.db.read() as session:
                page = await service.list(
                    ctx.identity, filters, size, cursor, session=session, policy=ctx.runtime.policy
                )
                nodes = await _described(ctx, [r.work for r in page.items], wanted, session)
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
        try:
            draft = _draft(input)
            async with ctx.runtime.db.unit_of_work() as uow:
                row = await service.create(ctx.identity, draft, uow=uow, policy=ctx.runtime.policy)
        except errors.ExchangeError as error:
            return to_graphql(error)  # type: ignore[return-value]
        return Work.from_model(row)

    @strawberry.mutation(
        description="Change a work (its partner's librarians, coordinators, admins)."
    )
    async def update_work(self, info: Info, input: UpdateWorkInput) -> UpdateWorkResult:
        ctx = info.context
        try:
            patch = _patch(input)
            async with ctx.runtime.db.unit_of_work() as uow:
                row = await service.update(
                    ctx.identity, to_uuid(input.id), patch, uow=uow, policy=ctx.runtime.policy
                )
        except errors.ExchangeError as error:
            return to_graphql(error)  # type: ignore[return-value]
        return Work.from_model(row)
