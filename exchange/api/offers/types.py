"""An offer and its lines as GraphQL types, built from the domain's rows (``from_model``);
their works and donors come from the request's loaders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from exchange import clock
from exchange.api.context import Info
from exchange.api.partners import Partner
from exchange.api.works import JournalIssue, Work
from exchange.catalogue.records import WorkRecord
from exchange.offers.models import Condition, Format, OfferState
from exchange.offers.models import Offer as OfferRow
from exchange.offers.models import OfferLine as OfferLineRow
from exchange.offers.records import OfferLineRecord, OfferRecord
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
