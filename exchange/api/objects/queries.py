"""Reads of digital objects: one object, the objects you may see, and the usage report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from exchange import errors
from exchange.api.context import Info
from exchange.api.errors import query_error
from exchange.api.objects.types import DigitalObject, UsageReport
from exchange.api.pagination import Connection, connection
from exchange.api.scalars import to_optional_uuid, to_uuid
from exchange.objects import downloads, service
from exchange.objects.models import ObjectState
from exchange.pagination import PageRequest


@strawberry.input
class DigitalObjectFilter:
    work_id: strawberry.ID | None = None
    seminar_id: strawberry.ID | None = None
    shipment_id: strawberry.ID | None = None
    owner_partner_id: strawberry.ID | None = None
    state: ObjectState | None = None


@strawberry.type
class ObjectQuery:
    @strawberry.field(description="One digital object, or null when it is not visible to you.")
    async def digital_object(self, info: Info, id: strawberry.ID) -> DigitalObject | None:
        ctx = info.context
        try:
            async with ctx.reads.session() as session:
                row = await service.get(
                    ctx.identity, to_uuid(id), session=session, policy=ctx.runtime.policy
                )
        except errors.NotFound:
            return None
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return DigitalObject.from_model(row)

    @strawberry.field(description="Digital objects you may see, oldest first.")
    async def digital_objects(
        self,
        info: Info,
        filter: DigitalObjectFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DigitalObject]:
        ctx, given = info.context, filter or DigitalObjectFilter()
        try:
            filters = service.ObjectFilter(
                to_optional_uuid(given.work_id, "workId"),
                to_optional_uuid(given.seminar_id, "seminarId"),
                to_optional_uuid(given.shipment_id, "shipmentId"),
                to_optional_uuid(given.owner_partner_id, "ownerPartnerId"),
                given.state,
            )
            async with ctx.reads.session() as session:
                page = await service.list(
                    ctx.identity,
                    filters,
                    PageRequest.parse(first, after),
                    session=session,
                    policy=ctx.runtime.policy,
                )
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return connection(page, DigitalObject.from_model, lambda row: row.id)

    @strawberry.field(
        description="Downloads per partner and work (coordinators, admins, and a "
        "partner's librarians for their own partner)."
    )
    async def usage_report(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        partner_id: strawberry.ID | None = None,
        work_id: strawberry.ID | None = None,
    ) -> UsageReport:
        ctx = info.context
        try:
            async with ctx.reads.session() as session:
                report = await downloads.usage_report(
                    ctx.identity,
                    from_,
                    to,
                    partner_id=to_optional_uuid(partner_id, "partnerId"),
                    work_id=to_optional_uuid(work_id, "workId"),
                    session=session,
                    policy=ctx.runtime.policy,
                )
        except errors.ExchangeError as error:
            raise query_error(error) from error
        return UsageReport.from_report(report)
