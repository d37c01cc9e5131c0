"""Allocations and suggestions in the GraphQL schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import errors
from exchange.allocations import service
from exchange.allocations.models import Allocation as AllocationRow
from exchange.allocations.models import AllocationState
from exchange.api.context import Info
from exchange.api.errors import (
    AllocationTravels,
    Conflict,
    InsufficientQuantity,
    NotFound,
    PermissionDenied,
    ValidationError,
    not_in_union,
    query_error,
    to_graphql,
)
from exchange.api.offers import OfferLine
from exchange.api.pagination import Connection, connection
from exchange.api.resolvers import listing, perform_as
from exchange.api.resource_requests import RequestLine
from exchange.api.scalars import to_uuid
from exchange.api.sync import Proposed
from exchange.api.works import Work
from exchange.db.uow import UnitOfWork
from exchange.matching import service as matching
from exchange.pagination import Page, PageRequest
from exchange.sync import proposals

AllocationStateEnum = strawberry.enum(AllocationState, name="AllocationState")


@strawberry.type(description="A quantity of an offer line promised to a request line.")
class Allocation:
    id: strawberry.ID
    offer_line_id: strawberry.ID
    request_line_id: strawberry.ID
    quantity: int
    state: AllocationState
    created_at: datetime
    ended_at: datetime | None

    @classmethod
    def from_model(cls, row: AllocationRow) -> Allocation:
        return cls(
            id=strawberry.ID(str(row.id)),
            offer_line_id=strawberry.ID(str(row.offer_line_id)),
            request_line_id=strawberry.ID(str(row.request_line_id)),
            quantity=row.quantity,
            state=AllocationState(row.state),
            created_at=row.created_at,
            ended_at=row.ended_at,
        )

    @strawberry.field(description="The offer line the quantity is promised from.")
    async def offer_line(self, info: Info) -> OfferLine | None:
        row = await info.context.loaders.offer_line_by_id.load(to_uuid(self.offer_line_id))
        return None if row is None else OfferLine.from_model(row)

    @strawberry.field(description="The request line the quantity is promised to.")
    async def request_line(self, info: Info) -> RequestLine | None:
        row = await info.context.loaders.request_line_by_id.load(to_uuid(self.request_line_id))
        return None if row is None else RequestLine.from_model(row)

    @strawberry.field(description="The work promised (the offer line's work).")
    async def work(self, info: Info) -> Work | None:
        loaders = info.context.loaders
        line = await loaders.offer_line_by_id.load(to_uuid(self.offer_line_id))
        row = None if line is None else await loaders.work_by_id.load(line.work_id)
        return None if row is None else Work.from_model(row)


@strawberry.type(description="An offer line that could fill a request line.")
class Suggestion:
    offer_line: OfferLine
    available: int
    exact_work: bool = strawberry.field(description="The offer line is of the very work requested.")
    score: int = strawberry.field(
        description=(
            "0 to 100, higher is better: the share of what the request line asks that this"
            " offer line meets. The very work requested scores 100; for a described need,"
            " each stated criterion (subject, language, level, kind) weighs the same."
        )
    )


@strawberry.input
class AllocateInput:
    offer_line_id: strawberry.ID
    request_line_id: strawberry.ID
    quantity: int


@strawberry.input
class AllocationFilter:
    offer_line_id: strawberry.ID | None = None
    request_line_id: strawberry.ID | None = None
    state: AllocationState | None = None


AllocateErrors = InsufficientQuantity | ValidationError | PermissionDenied | NotFound | Conflict
ReleaseErrors = PermissionDenied | NotFound | AllocationTravels | Conflict | ValidationError
AllocateResult = Annotated[
    Allocation | Proposed | AllocateErrors, strawberry.union("AllocateResult")
]
ReleaseResult = Annotated[Allocation | ReleaseErrors, strawberry.union("ReleaseResult")]


def _allocate_errors(error: errors.ExchangeError) -> AllocateErrors:
    """The schema type of an error ``allocate`` may meet (``not_in_union`` otherwise)."""
    found = to_graphql(error)
    if isinstance(found, AllocateErrors):
        return found
    raise not_in_union(error) from error


def _release_errors(error: errors.ExchangeError) -> ReleaseErrors:
    """The schema type of an error ``releaseAllocation`` may meet."""
    found = to_graphql(error)
    if isinstance(found, ReleaseErrors):
        return found
    raise not_in_union(error) from error


@strawberry.type
class AllocationQuery:
    @strawberry.field(
        description=(
            "Allocations you may read, oldest first: librarians of either partner,"
            " coordinators and admins."
        )
    )
    async def allocations(
        self,
        info: Info,
        filter: AllocationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Allocation]:
        ctx, given = info.context, filter or AllocationFilter()

        async def read(session: AsyncSession) -> Page[AllocationRow]:
            filters = service.AllocationFilter(
                to_uuid(given.offer_line_id, "offerLineId") if given.offer_line_id else None,
                to_uuid(given.request_line_id, "requestLineId") if given.request_line_id else None,
                given.state,
            )
            return await service.list(
                ctx.identity,
                filters,
                PageRequest.parse(first, after),
                session=session,
                policy=ctx.runtime.policy,
            )

        return await listing(
            ctx, read, lambda page: connection(page, Allocation.from_model, lambda row: row.id)
        )

    @strawberry.field(
        description="Offer lines for a request line, best first (coordinators, requester)."
    )
    async def suggestions(
        self, info: Info, request_line_id: strawberry.ID, first: int = 20
    ) -> list[Suggestion]:
        ctx = info.context
        try:
            async with ctx.reads.session() as session:
                found = await matching.suggestions(
                    ctx.identity,
                    to_uuid(request_line_id, "requestLineId"),
                    first,
                    session=session,
                    policy=ctx.runtime.policy,
                )
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return [
            Suggestion(
                offer_line=OfferLine.from_model(s.offer_line),
                available=s.available,
                exact_work=s.exact,
                score=s.score,
            )
            for s in found
        ]


@strawberry.type
class AllocationMutation:
    @strawberry.mutation(
        description="Promise a quantity of an offer line to a request line; when the offer "
        "is owned by another instance, the claim travels to it (Proposed)."
    )
    async def allocate(self, info: Info, input: AllocateInput) -> AllocateResult:
        ctx = info.context

        async def work(uow: UnitOfWork) -> AllocationRow | proposals.Claimed:
            claimed = await proposals.claim(
                ctx.identity,
                to_uuid(input.offer_line_id, "offerLineId"),
                to_uuid(input.request_line_id, "requestLineId"),
                input.quantity,
                uow=uow,
                policy=ctx.runtime.policy,
                alone=True,  # then only reads, and ``perform_as`` commits
            )
            made = (
                await uow.session.get(AllocationRow, claimed.allocation_id)
                if claimed.allocation_id
                else None
            )
            return claimed if made is None else made

        def render(row: AllocationRow | proposals.Claimed) -> Allocation | Proposed:
            if isinstance(row, proposals.Claimed):
                return Proposed.from_model(row, "claim")
            return Allocation.from_model(row)

        return await perform_as(ctx, work, render, _allocate_errors)

    @strawberry.mutation(description="End an allocation; its quantity returns to both lines.")
    async def release_allocation(self, info: Info, id: strawberry.ID) -> ReleaseResult:
        ctx = info.context
        return await perform_as(
            ctx,
            lambda uow: service.release(
                ctx.identity, to_uuid(id), uow=uow, policy=ctx.runtime.policy
            ),
            Allocation.from_model,
            _release_errors,
        )
