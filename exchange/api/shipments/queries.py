"""Reads of shipments: the list you may see, one shipment, and its signed manifest as JWS."""

from __future__ import annotations

import json

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.api.context import Info
from exchange.api.pagination import Connection, connection
from exchange.api.resolvers import listing, lookup
from exchange.api.scalars import to_uuid
from exchange.api.shipments.types import Shipment
from exchange.pagination import Page, PageRequest
from exchange.shipments import service
from exchange.shipments.models import Shipment as ShipmentRow
from exchange.shipments.models import ShipmentMode, ShipmentState


@strawberry.input
class ShipmentFilter:
    state: ShipmentState | None = None
    mode: ShipmentMode | None = None
    partner_id: strawberry.ID | None = None


@strawberry.type
class ShipmentQuery:
    @strawberry.field(description="Shipments you may see, oldest first.")
    async def shipments(
        self,
        info: Info,
        filter: ShipmentFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Shipment]:
        ctx, given = info.context, filter or ShipmentFilter()

        async def read(session: AsyncSession) -> Page[ShipmentRow]:
            partner = to_uuid(given.partner_id, "partnerId") if given.partner_id else None
            return await service.list(
                ctx.identity,
                service.ShipmentFilter(given.state, given.mode, partner),
                PageRequest.parse(first, after),
                session=session,
                policy=ctx.runtime.policy,
            )

        return await listing(
            ctx, read, lambda page: connection(page, Shipment.from_model, lambda row: row.id)
        )

    @strawberry.field(description="One shipment, if you may see it.")
    async def shipment(self, info: Info, id: strawberry.ID) -> Shipment | None:
        ctx = info.context
        return await lookup(
            ctx,
            lambda session: service.get(
                ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
            ),
            Shipment.from_model,
        )

    @strawberry.field(
        description="The signed manifest as JWS JSON (general serialization), to verify "
        "offline with `exchange manifest verify`; null before dispatch."
    )
    async def signed_manifest(self, info: Info, shipment_id: strawberry.ID) -> str | None:
        ctx = info.context
        found = await lookup(
            ctx,
            lambda session: service.get(
                ctx.identity, to_uuid(shipment_id, "shipmentId"), session=session,
                policy=ctx.runtime.policy,
            ),
            service.signed_manifest,
        )  # fmt: skip
        return None if found is None else json.dumps(found, separators=(",", ":"))
