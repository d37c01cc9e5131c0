"""The reads of offers: a page of those the caller may read (its donors, lines and works
primed for the page), and one offer."""

from __future__ import annotations

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.api import offer_page
from exchange.api.context import Info
from exchange.api.offers.types import Offer
from exchange.api.pagination import Connection, connection, node_fields
from exchange.api.resolvers import listing, lookup
from exchange.api.scalars import to_uuid
from exchange.offers import service
from exchange.offers.models import OfferState
from exchange.offers.records import OfferRecord
from exchange.pagination import Page, PageRequest


@strawberry.input
class OfferFilter:
    partner_id: strawberry.ID | None = None
    state: OfferState | None = None
    work_id: strawberry.ID | None = None


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
