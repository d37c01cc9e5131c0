"""Actions on offers: create a draft, publish, withdraw and close, each returning the named
union of the offer and the errors it may meet."""

from __future__ import annotations

from datetime import datetime
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
from exchange.api.offers.types import Offer
from exchange.api.resolvers import perform_as
from exchange.api.scalars import to_uuid
from exchange.offers import service
from exchange.offers.models import Condition, Format


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


Errors = ValidationError | PermissionDenied | NotFound | Conflict
OfferResult = Annotated[Offer | Errors, strawberry.union("OfferResult")]


def _errors(error: errors.ExchangeError) -> Errors:
    """The schema type of an error an offer's mutation may meet."""
    found = to_graphql(error)
    if isinstance(found, Errors):
        return found
    raise not_in_union(error) from error


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


def _transition(verb: str, description: str) -> OfferResult:
    async def resolve(self: OfferMutation, info: Info, id: strawberry.ID) -> OfferResult:
        ctx = info.context
        return await perform_as(
            ctx,
            lambda uow: service.transition(
                ctx.identity, to_uuid(id), verb, uow=uow, policy=ctx.runtime.policy
            ),
            Offer.from_model,
            _errors,
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
            return _errors(error)
        return await perform_as(
            ctx,
            lambda uow: service.create(ctx.identity, draft, uow=uow, policy=ctx.runtime.policy),
            Offer.from_model,
            _errors,
        )

    publish_offer: OfferResult = _transition("publish", "Open a draft offer to requests.")
    withdraw_offer: OfferResult = _transition("withdraw", "Withdraw a draft or open offer.")
    close_offer: OfferResult = _transition(
        "close", "Close an open offer: nothing more can be allocated."
    )
