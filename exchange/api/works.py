"""The ``Work`` type of the GraphQL schema: a work with what is listed under it.

Every list under a work and its creating partner come from the request's loaders, one
path per field (``resolved``). A page of works (``works``) primes those loaders with what
its query asks for, read along with the page (``prime``: three or four queries whatever
the page's size); a work that comes alone (``work``, a seminar's materials, an offer
line's work) has its loaders read in batches.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.api.context import Context, Info
from exchange.api.loaders.relations_by_work_id import WorkRelations, relations_of
from exchange.api.partners import LocalizedName, Partner
from exchange.catalogue import identifiers
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.models import Work as WorkRow
from exchange.catalogue.records import WorkRecord
from exchange.catalogue.validation import ContributorRole
from exchange.partners import service as partners
from exchange.partners.models import Partner as PartnerRow

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
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Names the issue in an offer line's issueIds."
    )


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
    key: strawberry.Private[uuid.UUID]
    partner_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: WorkRow | WorkRecord) -> Work:
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
            key=row.id,
            partner_id=row.created_by_partner_id,
        )

    def _related(self, info: Info, pick: Callable[[WorkRelations], list[T]]) -> list[T]:
        return info.context.loaders.relations_by_work_id.show(self.key, pick)

    @strawberry.field(description="The partner that catalogued it, when visible to you.")
    def created_by(self, info: Info) -> Partner | None:
        return info.context.loaders.partner_by_id.show(self.partner_id, _partner)

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
    return [
        JournalIssue(
            volume=i.volume,
            number=i.number,
            year=i.year,
            id=None if i.id is None else strawberry.ID(str(i.id)),
        )
        for i in found.issues
    ]


def _co_authors_of(found: WorkRelations) -> list[Partner]:
    return [Partner.from_model(p) for p in found.co_authors] if found.co_authors else []


def _seminars_of(found: WorkRelations) -> list[Seminar]:
    if not found.seminars:  # most works: no import machinery on the hot path
        return []
    from exchange.api.seminars import Seminar

    return [Seminar.from_model(s) for s in found.seminars]


# Fields of a work read from its relations (one batch for a page).
RELATED_FIELDS = frozenset({"contributors", "identifiers", "issues", "coAuthors", "seminars"})


def _partner(row: PartnerRow | None) -> Partner | None:
    return None if row is None else Partner.from_model(row)


async def prime(
    ctx: Context, rows: list[WorkRow], wanted: frozenset[str], session: AsyncSession
) -> None:
    """Primes the request's loaders with what the query asks of a page of works
    (``wanted``: its node fields), read in the page's own session: the relations (two or
    three queries) and the creating partners (one query, one batched decision), each
    exactly as the loaders would read them."""
    if not rows:
        return
    who, policy, loaders = ctx.identity, ctx.runtime.policy, ctx.loaders
    if wanted & RELATED_FIELDS:
        ids = [row.id for row in rows]
        found = await relations_of(who, ids, session=session, policy=policy)
        loaders.relations_by_work_id.prime_many(dict(zip(ids, found, strict=True)))
    if "createdBy" in wanted:
        creators = {row.created_by_partner_id for row in rows}
        readable = await partners.get_many(who, creators, session=session, policy=policy)
        loaders.partner_by_id.prime_many({i: readable.get(i) for i in creators})
