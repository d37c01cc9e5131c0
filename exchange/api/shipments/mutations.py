"""Actions on shipments: create, attach a file, and one mutation per row of the state table,
each returning a named union of the shipment and the errors it may meet."""

from __future__ import annotations

from typing import Annotated

import strawberry

from exchange import errors
from exchange.api.context import Context, Info
from exchange.api.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
    not_in_union,
    to_graphql,
)
from exchange.api.resolvers import perform_as
from exchange.api.scalars import to_uuid
from exchange.api.shipments.types import Shipment, ShipmentItem
from exchange.api.sync import Proposed
from exchange.db.uow import UnitOfWork
from exchange.keys.custody import Custody
from exchange.manifests.statement import Discrepancy as DiscrepancyValue
from exchange.shipments import service, transitions
from exchange.shipments.models import Shipment as ShipmentRow
from exchange.shipments.models import ShipmentItem as ItemRow
from exchange.shipments.models import ShipmentMode
from exchange.shipments.workflow import Action
from exchange.sync import proposals


@strawberry.input(description="What the actor says about a transition.")
class TransitionInput:
    location: str | None = None
    note: str | None = None


@strawberry.input
class CreateShipmentInput:
    allocation_ids: list[strawberry.ID]
    mode: ShipmentMode
    note: str | None = None


@strawberry.input
class DispatchShipmentInput:
    tracking_number: str | None = None
    carrier: str | None = None
    location: str | None = None
    note: str | None = None


@strawberry.input
class DiscrepancyInput:
    work_id: strawberry.ID
    expected: int
    received: int
    note: str = ""


@strawberry.input
class ReceiveShipmentInput:
    discrepancies: list[DiscrepancyInput] = strawberry.field(default_factory=list)
    location: str | None = None
    note: str | None = None


@strawberry.input
class AttachShipmentObjectInput:
    shipment_id: strawberry.ID
    allocation_id: strawberry.ID
    object_id: strawberry.ID


Errors = PermissionDenied | NotFound | Conflict | ValidationError
MoveErrors = IllegalTransition | Errors
CreateShipmentResult = Annotated[Shipment | Errors, strawberry.union("CreateShipmentResult")]
AttachShipmentObjectResult = Annotated[
    ShipmentItem | Errors, strawberry.union("AttachShipmentObjectResult")
]
Moved = Shipment | MoveErrors
PackShipmentResult = Annotated[Moved, strawberry.union("PackShipmentResult")]
ApproveShipmentResult = Annotated[Moved, strawberry.union("ApproveShipmentResult")]
DispatchShipmentResult = Annotated[Moved, strawberry.union("DispatchShipmentResult")]
MarkInTransitResult = Annotated[Moved, strawberry.union("MarkInTransitResult")]
MarkDeliveredResult = Annotated[Moved, strawberry.union("MarkDeliveredResult")]
ReceiveShipmentResult = Annotated[
    Shipment | Proposed | MoveErrors, strawberry.union("ReceiveShipmentResult")
]
CancelShipmentResult = Annotated[Moved, strawberry.union("CancelShipmentResult")]
MarkLostResult = Annotated[Moved, strawberry.union("MarkLostResult")]


def _errors(error: errors.ExchangeError) -> Errors:
    """The schema type of an error a shipment's creation or attachment may meet."""
    found = to_graphql(error)
    if isinstance(found, Errors):
        return found
    raise not_in_union(error) from error


def _move_errors(error: errors.ExchangeError) -> MoveErrors:
    """The schema type of an error a transition may meet."""
    found = to_graphql(error)
    if isinstance(found, MoveErrors):
        return found
    raise not_in_union(error) from error


def _custody(ctx: Context) -> Custody:
    return Custody(ctx.runtime.settings.key_encryption_key_bytes)


def _details(given: TransitionInput | None) -> transitions.EventDetails:
    return (
        transitions.EventDetails()
        if given is None
        else transitions.EventDetails(given.location, given.note)
    )


async def _move(
    info: Info, id: strawberry.ID, action: Action, given: TransitionInput | None
) -> Moved:
    ctx = info.context

    async def work(uow: UnitOfWork) -> ShipmentRow:
        return await transitions.act(
            ctx.identity, to_uuid(id), action, _details(given), uow=uow, policy=ctx.runtime.policy
        )

    return await perform_as(ctx, work, Shipment.from_model, _move_errors)


@strawberry.type
class ShipmentMutation:
    @strawberry.mutation(description="A draft shipment of allocations (the donor's librarians).")
    async def create_shipment(self, info: Info, input: CreateShipmentInput) -> CreateShipmentResult:
        ctx = info.context

        async def work(uow: UnitOfWork) -> ShipmentRow:
            ids = [to_uuid(a, "allocationIds") for a in input.allocation_ids]
            return await transitions.create(
                ctx.identity, ids, input.mode, transitions.EventDetails(note=input.note),
                uow=uow, policy=ctx.runtime.policy,
            )  # fmt: skip

        return await perform_as(ctx, work, Shipment.from_model, _errors)

    @strawberry.mutation(description="Name the uploaded file that carries a digital item.")
    async def attach_shipment_object(
        self, info: Info, input: AttachShipmentObjectInput
    ) -> AttachShipmentObjectResult:
        ctx = info.context

        async def work(uow: UnitOfWork) -> ItemRow:
            return await transitions.attach_object(
                ctx.identity,
                to_uuid(input.shipment_id, "shipmentId"),
                to_uuid(input.allocation_id, "allocationId"),
                to_uuid(input.object_id, "objectId"),
                uow=uow,
                policy=ctx.runtime.policy,
            )

        return await perform_as(ctx, work, ShipmentItem.from_model, _errors)

    @strawberry.mutation(description="Packed (or held for approval if the destination is flagged).")
    async def pack_shipment(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> PackShipmentResult:
        return await _move(info, id, Action.PACK, input)

    @strawberry.mutation(description="Release a held shipment (coordinators).")
    async def approve_shipment(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> ApproveShipmentResult:
        return await _move(info, id, Action.APPROVE, input)

    @strawberry.mutation(description="Send it: the manifest is signed with the sender's key.")
    async def dispatch_shipment(
        self, info: Info, id: strawberry.ID, input: DispatchShipmentInput | None = None
    ) -> DispatchShipmentResult:
        ctx, given = info.context, input or DispatchShipmentInput()
        details = transitions.EventDetails(
            given.location, given.note, given.tracking_number, given.carrier
        )

        async def work(uow: UnitOfWork) -> ShipmentRow:
            return await transitions.dispatch(
                ctx.identity, to_uuid(id), details, uow=uow, policy=ctx.runtime.policy,
                custody=_custody(ctx),
            )  # fmt: skip

        return await perform_as(ctx, work, Shipment.from_model, _move_errors)

    @strawberry.mutation(description="The carrier has it.")
    async def mark_in_transit(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> MarkInTransitResult:
        return await _move(info, id, Action.MARK_IN_TRANSIT, input)

    @strawberry.mutation(description="It reached the receiver's door.")
    async def mark_delivered(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> MarkDeliveredResult:
        return await _move(info, id, Action.MARK_DELIVERED, input)

    @strawberry.mutation(description="Confirm receipt: the receiver countersigns the manifest.")
    async def receive_shipment(
        self, info: Info, id: strawberry.ID, input: ReceiveShipmentInput | None = None
    ) -> ReceiveShipmentResult:
        ctx, given = info.context, input or ReceiveShipmentInput()
        details = transitions.EventDetails(given.location, given.note)

        async def work(uow: UnitOfWork) -> ShipmentRow | proposals.Claimed:
            found = [
                DiscrepancyValue(to_uuid(d.work_id, "workId"), d.expected, d.received, d.note)
                for d in given.discrepancies
            ]
            claimed = await proposals.confirm_receipt(
                ctx.identity, to_uuid(id), found, details, uow=uow, policy=ctx.runtime.policy,
                custody=_custody(ctx),
            )  # fmt: skip
            if claimed.proposed:
                return claimed
            return await service.get(ctx.identity, to_uuid(id), session=uow.session,
                                     policy=ctx.runtime.policy)  # fmt: skip

        def render(row: ShipmentRow | proposals.Claimed) -> Shipment | Proposed:
            if isinstance(row, proposals.Claimed):
                return Proposed.from_model(row, "receipt")
            return Shipment.from_model(row)

        return await perform_as(ctx, work, render, _move_errors)

    @strawberry.mutation(description="Call it off before it leaves.")
    async def cancel_shipment(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> CancelShipmentResult:
        return await _move(info, id, Action.CANCEL, input)

    @strawberry.mutation(description="It will not arrive.")
    async def mark_lost(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> MarkLostResult:
        return await _move(info, id, Action.LOSE, input)
