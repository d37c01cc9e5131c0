"""Partner institutions in the GraphQL schema."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from exchange import errors
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
from exchange.api.pagination import Connection, connection
from exchange.api.resolvers import lookup, perform_as
from exchange.api.scalars import to_uuid
from exchange.pagination import PageRequest
from exchange.partners import service
from exchange.partners.models import Partner as PartnerRow
from exchange.partners.models import PartnerKind, PartnerStatus

if TYPE_CHECKING:
    from exchange.api.identity.types import Membership

PartnerKindEnum = strawberry.enum(PartnerKind, name="PartnerKind")
PartnerStatusEnum = strawberry.enum(PartnerStatus, name="PartnerStatus")


@strawberry.type(
    description="A name in one language and script (BCP 47 tag, e.g. ko-Hang, ko-Latn, en)."
)
class LocalizedName:
    lang: str
    value: str


@strawberry.input
class LocalizedNameInput:
    lang: str
    value: str


@strawberry.type(description="A partner institution.")
class Partner:
    id: strawberry.ID
    names: list[LocalizedName]
    name: str = strawberry.field(description="The preferred (first) name.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    kind: PartnerKind
    status: PartnerStatus
    tags: list[str]
    public: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: PartnerRow) -> Partner:
        names = [LocalizedName(lang=n["lang"], value=n["value"]) for n in row.names]
        return cls(
            id=strawberry.ID(str(row.id)),
            names=names,
            name=names[0].value if names else "",
            country=row.country,
            kind=PartnerKind(row.kind),
            status=PartnerStatus(row.status),
            tags=list(row.tags),
            public=row.public,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="People and their roles here; empty unless you may see them.")
    async def members(
        self, info: Info
    ) -> list[Annotated[Membership, strawberry.lazy("exchange.api.identity.types")]]:
        from exchange.api.identity.types import Membership

        rows = await info.context.loaders.memberships_by_partner_id.load(to_uuid(self.id))
        return [Membership.from_model(m) for m in rows]


@strawberry.input
class PartnerFilter:
    country: str | None = None
    kind: PartnerKind | None = None
    status: PartnerStatus | None = None
    tag: str | None = None
    search: str | None = strawberry.field(
        default=None, description="Substring of any name, any script."
    )


@strawberry.input
class CreatePartnerInput:
    names: list[LocalizedNameInput]
    country: str
    kind: PartnerKind
    tags: list[str] = strawberry.field(default_factory=list)
    public: bool = True


@strawberry.input(description="Fields left out keep their value.")
class UpdatePartnerInput:
    id: strawberry.ID
    names: list[LocalizedNameInput] | None = None
    country: str | None = None
    kind: PartnerKind | None = None
    tags: list[str] | None = None
    public: bool | None = None


CreateErrors = ValidationError | PermissionDenied | Conflict
UpdateErrors = ValidationError | PermissionDenied | NotFound
StatusErrors = ValidationError | PermissionDenied | NotFound | Conflict
CreatePartnerResult = Annotated[Partner | CreateErrors, strawberry.union("CreatePartnerResult")]
UpdatePartnerResult = Annotated[Partner | UpdateErrors, strawberry.union("UpdatePartnerResult")]
PartnerStatusResult = Annotated[Partner | StatusErrors, strawberry.union("PartnerStatusResult")]


def _create_errors(error: errors.ExchangeError) -> CreateErrors:
    """The schema type of an error ``createPartner`` may meet (``not_in_union`` otherwise)."""
    found = to_graphql(error)
    if isinstance(found, CreateErrors):
        return found
    raise not_in_union(error) from error


def _update_errors(error: errors.ExchangeError) -> UpdateErrors:
    """The schema type of an error ``updatePartner`` may meet."""
    found = to_graphql(error)
    if isinstance(found, UpdateErrors):
        return found
    raise not_in_union(error) from error


def _status_errors(error: errors.ExchangeError) -> StatusErrors:
    """The schema type of an error ``suspendPartner`` or ``reactivatePartner`` may meet."""
    found = to_graphql(error)
    if isinstance(found, StatusErrors):
        return found
    raise not_in_union(error) from error


def _names(items: list[LocalizedNameInput] | None) -> list[tuple[str, str]] | None:
    return None if items is None else [(n.lang, n.value) for n in items]


@strawberry.type
class PartnerQuery:
    @strawberry.field(description="Partner institutions you may see, oldest first.")
    async def partners(
        self,
        info: Info,
        filter: PartnerFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Partner]:
        ctx = info.context
        given = filter or PartnerFilter()
        try:
            page_request = PageRequest.parse(first, after)
            filters = service.PartnerFilter(
                given.country, given.kind, given.status, given.tag, given.search
            )
            async with ctx.reads.session() as session:
                page = await service.list(
                    ctx.identity, filters, page_request, session=session, policy=ctx.runtime.policy
                )
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return connection(page, Partner.from_model, lambda row: row.id)

    @strawberry.field(
        description="One partner, or null when it does not exist or is not visible to you."
    )
    async def partner(self, info: Info, id: strawberry.ID) -> Partner | None:
        ctx = info.context
        return await lookup(
            ctx,
            lambda session: service.get(
                ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
            ),
            Partner.from_model,
        )


@strawberry.type
class PartnerMutation:
    @strawberry.mutation(description="Register a partner institution (admins).")
    async def create_partner(self, info: Info, input: CreatePartnerInput) -> CreatePartnerResult:
        ctx = info.context
        draft = service.PartnerDraft(
            _names(input.names) or [], input.country, input.kind, input.tags, input.public
        )
        return await perform_as(
            ctx,
            lambda uow: service.create(ctx.identity, draft, uow=uow, policy=ctx.runtime.policy),
            Partner.from_model,
            _create_errors,
        )

    @strawberry.mutation(
        description=(
            "Change a partner's profile (admins, and the partner's librarians;"
            " tags and public, which policies read, only admins)."
        )
    )
    async def update_partner(self, info: Info, input: UpdatePartnerInput) -> UpdatePartnerResult:
        ctx = info.context
        patch = service.PartnerPatch(
            _names(input.names), input.country, input.kind, input.tags, input.public
        )
        return await perform_as(
            ctx,
            lambda uow: service.update(
                ctx.identity, to_uuid(input.id), patch, uow=uow, policy=ctx.runtime.policy
            ),
            Partner.from_model,
            _update_errors,
        )

    @strawberry.mutation(
        description=(
            "Suspend a partner: readable, but nothing it is party to can be written, except"
            " by admins (admins)."
        )
    )
    async def suspend_partner(
        self, info: Info, id: strawberry.ID, reason: str = ""
    ) -> PartnerStatusResult:
        ctx = info.context
        return await perform_as(
            ctx,
            lambda uow: service.suspend(
                ctx.identity, to_uuid(id), reason, uow=uow, policy=ctx.runtime.policy
            ),
            Partner.from_model,
            _status_errors,
        )

    @strawberry.mutation(description="Lift a suspension (admins).")
    async def reactivate_partner(
        self, info: Info, id: strawberry.ID, reason: str = ""
    ) -> PartnerStatusResult:
        ctx = info.context
        return await perform_as(
            ctx,
            lambda uow: service.reactivate(
                ctx.identity, to_uuid(id), reason, uow=uow, policy=ctx.runtime.policy
            ),
            Partner.from_model,
            _status_errors,
        )
