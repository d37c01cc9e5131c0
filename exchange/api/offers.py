"""Donation offers in the GraphQL schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, errors
from exchange.api import offer_page
from exchange.api.context import Info
from exchange.api.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    to_graphql,
)
from exchange.api.pagination import Connection, connection, node_fields
from exchange.api.partners import Partner
from exchange.api.resolvers import listing, lookup, perform
from exchange.api.scalars import to_uuid
from exchange.api.works import JournalIssue, Work
from exchange.catalogue.records import WorkRecord
from exchange.offers import service
from exchange.offers.models import Condition, Format, OfferState
from exchange.offers.models import Offer as OfferRow
from exchange.offers.models import OfferLine as OfferLineRow
from exchange.offers.records import OfferLineRecord, OfferRecord
from exchange.pagination import Page, PageRequest
from exchange.partners.models import Partner as PartnerRow

OfferStateEnum = strawberry.enum(OfferState, name="OfferState")
FormatEnum = strawberry.enum(Format, name="Format")
ConditionEnum = strawberry.enum(Condition, name="Condition")
# A column's value to its member by a table (a page renders 150 lines); the enum's own
# call still refuses a value that is not a member.
_FORMATS = {f.value: f for f in Format}
_CONDITIONS = {c.value: c for c in Condition}


def _offer_id(self: Any) -> strawberry.ID:
    return strawberry.ID(str(self.offer_key))


def _work_id(self: Any) -> strawberry.ID:
    return strawberry.ID(str(self.work_key))


@strawberry.type
class OfferLine:
    id: strawberry.ID
    # rendered when asked (a page of 150 lines rarely asks them: bench/graphql_vs_raw.py)
    offer_id: strawberry.ID = strawberry.field(resolver=_offer_id)
    work_id: strawberry.ID = strawberry.field(resolver=_work_id)
    quantity: int
    allocated: int
    available: int
    format: Format
    condition: Condition | None
    key: strawberry.Private[uuid.UUID]
    offer_key: strawberry.Private[uuid.UUID]
    work_key: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: OfferLineRow | OfferLineRecord) -> OfferLine:
        return cls(
            key=row.id,
            offer_key=row.offer_id,
            work_key=row.work_id,
            id=strawberry.ID(str(row.id)),
            quantity=row.quantity,
            allocated=row.allocated,
            available=row.available,
            format=_FORMATS.get(row.format) or Format(row.format),
            condition=(_CONDITIONS.get(row.condition) or Condition(row.condition))
            if row.condition
            else None,
        )

    @strawberry.field
    def work(self, info: Info) -> Work | None:
        return info.context.loaders.work_by_id.show(self.work_key, _work)

    @strawberry.field(description="The offer this line belongs to.")
    async def offer(self, info: Info) -> Offer | None:
        row = await info.context.loaders.offer_by_id.load(self.offer_key)
        return None if row is None else Offer.from_model(row)

    @strawberry.field(description="For a journal: the issues this line offers (none named: all).")
    async def issues(self, info: Info) -> list[JournalIssue]:
        rows = await info.context.loaders.issues_by_offer_line_id.load(self.key)
        return [
            JournalIssue(volume=i.volume, number=i.number, year=i.year, id=strawberry.ID(str(i.id)))
            for i in rows
        ]


@strawberry.type(description="What a donor partner can give.")
class Offer:
    id: strawberry.ID
    partner_id: strawberry.ID
    state: OfferState = strawberry.field(
        description="Open offers past their expiry show as EXPIRED."
    )
    expires_at: datetime
    terms: str
    licence: str | None
    created_at: datetime
    key: strawberry.Private[uuid.UUID]
    donor: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: OfferRow | OfferRecord) -> Offer:
        return cls(
            key=row.id,
            donor=row.partner_id,
            id=strawberry.ID(str(row.id)),
            partner_id=strawberry.ID(str(row.partner_id)),
            state=row.effective_state(clock.now()),
            expires_at=row.expires_at,
            terms=row.terms,
            licence=row.licence,
            created_at=row.created_at,
        )

    @strawberry.field
    def lines(self, info: Info) -> list[OfferLine]:
        return info.context.loaders.offer_lines_by_offer_id.show(self.key, _lines)

    @strawberry.field
    def partner(self, info: Info) -> Partner | None:
        return info.context.loaders.partner_by_id.show(self.donor, _partner)


def _work(row: WorkRecord | None) -> Work | None:
    return None if row is None else Work.from_model(row)


def _lines(rows: list[OfferLineRecord]) -> list[OfferLine]:
    return [OfferLine.from_model(r) for r in rows]


def _partner(row: PartnerRow | None) -> Partner | None:
    return None if row is None else Partner.from_model(row)


@strawberry.input(
    description=(
        "One line of an offer. Rules (a ValidationError names the field and code): a PRINT"
        " line requires `condition` (code required_for_print); a DIGITAL line requires the"
        " offer's `licence` (code required_for_digital); `issueIds` must be issues of the"
        " line's journal (code unknown_issue)."
    )
)
class OfferLineInput:
    work_id: strawberry.ID
    quantity: int
    format: Format
    condition: Condition | None = strawberry.field(
        default=None, description="Required for PRINT lines; not used for DIGITAL ones."
    )
    issue_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="For a journal: which of its issues (Work.issues ids) the line offers.",
    )


@strawberry.input
class CreateOfferInput:
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The donor partner; default: your only library."
    )
    lines: list[OfferLineInput]
    expires_at: datetime
    terms: str = ""
    licence: str | None = strawberry.field(
        default=None, description="Required when any line is DIGITAL (an SPDX id or LicenseRef)."
    )


@strawberry.input
class OfferFilter:
    partner_id: strawberry.ID | None = None
    state: OfferState | None = None
    work_id: strawberry.ID | None = None


OfferResult = Annotated[
    Offer | ValidationError | PermissionDenied | NotFound | Conflict,
    strawberry.union("OfferResult"),
]


def _draft(data: CreateOfferInput) -> service.OfferDraft:
    lines = [
        service.OfferLineDraft(
            to_uuid(line.work_id, f"lines[{i}].workId"),
            line.quantity,
            line.format,
            line.condition,
            tuple(to_uuid(x, f"lines[{i}].issueIds") for x in line.issue_ids),
        )
        for i, line in enumerate(data.lines)
    ]
    return service.OfferDraft(
        None if data.partner_id is None else to_uuid(data.partner_id, "partnerId"),
        lines,
        data.expires_at,
        data.terms,
        data.licence,
    )


@strawberry.type
class OfferQuery:
    @strawberry.field(
        description=(
            "Offers you may read, oldest first: published ones (members of any partner),"
            " drafts only by their donor's librarians and admins."
        )
    )
    async def offers(
        self,
        info: Info,
        filter: OfferFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Offer]:
        ctx, given = info.context, filter or OfferFilter()
        wanted, line_fields = node_fields(info), node_fields(info, "lines")

        async def read(session: AsyncSession) -> Page[OfferRecord]:
            filters = service.OfferFilter(
                to_uuid(given.partner_id, "partnerId") if given.partner_id else None,
                given.state,
                to_uuid(given.work_id, "workId") if given.work_id else None,
            )
            found, donors = await service.listed(
                ctx.identity,
                filters,
                PageRequest.parse(first, after),
                session=session,
                policy=ctx.runtime.policy,
            )
            await offer_page.prime(ctx, found.items, donors, wanted, line_fields, session)
            return found

        return await listing(
            ctx, read, lambda page: connection(page, Offer.from_model, lambda row: row.id)
        )

    @strawberry.field
    async def offer(self, info: Info, id: strawberry.ID) -> Offer | None:
        ctx = info.context
        return await lookup(
            ctx,
            lambda session: service.get(
                ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
            ),
            Offer.from_model,
        )


def _transition(verb: str, description: str):  # type: ignore[no-untyped-def]
    async def resolve(self: OfferMutation, info: Info, id: strawberry.ID) -> OfferResult:
        ctx = info.context
        return await perform(  # type: ignore[no-any-return]
            ctx,
            lambda uow: service.transition(
                ctx.identity, to_uuid(id), verb, uow=uow, policy=ctx.runtime.policy
            ),
            Offer.from_model,
        )

    return strawberry.mutation(resolver=resolve, description=description)


@strawberry.type
class OfferMutation:
    @strawberry.mutation(description="Post a draft offer for a donor partner (its librarians).")
    async def create_offer(self, info: Info, input: CreateOfferInput) -> OfferResult:
        ctx = info.context
        try:
            draft = _draft(input)
        except errors.ValidationFailed as error:
            return to_graphql(error)  # type: ignore[return-value]
        return await perform(  # type: ignore[no-any-return]
            ctx,
            lambda uow: service.create(ctx.identity, draft, uow=uow, policy=ctx.runtime.policy),
            Offer.from_model,
        )

    publish_offer: OfferResult = _transition("publish", "Open a draft offer to requests.")
    withdraw_offer: OfferResult = _transition("withdraw", "Withdraw a draft or open offer.")
    close_offer: OfferResult = _transition(
        "close", "Close an open offer: nothing more can be allocated."
    )
