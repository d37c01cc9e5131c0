"""Shipments in the GraphQL schema: the list, one shipment with its timeline and signed
manifest, and one mutation per action of the state table."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import errors
from exchange.api.allocations import Allocation
from exchange.api.context import Context, Info
from exchange.api.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
    query_error,
)
from exchange.api.pagination import Connection, connection
from exchange.api.partners import Partner
from exchange.api.resolvers import listing, lookup, perform
from exchange.api.scalars import to_uuid
from exchange.api.sync import Proposed
from exchange.api.works import Work
from exchange.db.uow import UnitOfWork
from exchange.keys.custody import Custody
from exchange.manifests import verify
from exchange.manifests.statement import Discrepancy as DiscrepancyValue
from exchange.pagination import Page, PageRequest
from exchange.shipments import service, transitions
from exchange.shipments.models import Shipment as ShipmentRow
from exchange.shipments.models import ShipmentEvent as EventRow
from exchange.shipments.models import ShipmentItem as ItemRow
from exchange.shipments.models import ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action
from exchange.sync import proposals

ShipmentModeEnum = strawberry.enum(ShipmentMode, name="ShipmentMode")


@strawberry.type(description="One transition: who, when, where, and what they noted.")
class ShipmentEvent:
    action: str
    from_state: ShipmentState | None
    to_state: ShipmentState
    actor: str
    at: datetime
    location: str | None
    note: str | None
    tracking_number: str | None
    carrier: str | None

    @strawberry.field(
        description="Who took the action, by name: the account's display name, or `system`;"
        " `actor` keeps the audit label (account:<id>)."
    )
    async def actor_name(self, info: Info) -> str:
        kind, _, raw = self.actor.partition(":")
        if kind != "account":
            return self.actor
        name = await info.context.loaders.actor_name_by_account_id.load(to_uuid(raw))
        return self.actor if name is None else name

    @classmethod
    def from_model(cls, row: EventRow) -> ShipmentEvent:
        return cls(
            action=row.action,
            from_state=None if row.from_state is None else ShipmentState(row.from_state),
            to_state=ShipmentState(row.to_state),
            actor=row.actor,
            at=row.at,
            location=row.location,
            note=row.note,
            tracking_number=row.tracking_number,
            carrier=row.carrier,
        )


@strawberry.type(description="An allocation travelling in the shipment.")
class ShipmentItem:
    allocation_id: strawberry.ID
    quantity: int
    object_id: strawberry.ID | None

    @classmethod
    def from_model(cls, row: ItemRow) -> ShipmentItem:
        object_id = None if row.object_id is None else strawberry.ID(str(row.object_id))
        return cls(
            allocation_id=strawberry.ID(str(row.allocation_id)),
            quantity=row.quantity,
            object_id=object_id,
        )

    @strawberry.field(description="The allocation this item carries.")
    async def allocation(self, info: Info) -> Allocation | None:
        row = await info.context.loaders.allocation_by_id.load(to_uuid(self.allocation_id))
        return None if row is None else Allocation.from_model(row)

    @strawberry.field(description="The work this item carries.")
    async def work(self, info: Info) -> Work | None:
        loaders = info.context.loaders
        allocation = await loaders.allocation_by_id.load(to_uuid(self.allocation_id))
        line = (
            None
            if allocation is None
            else await loaders.offer_line_by_id.load(allocation.offer_line_id)
        )
        row = None if line is None else await loaders.work_by_id.load(line.work_id)
        return None if row is None else Work.from_model(row)


@strawberry.type(description="A standard identifier of a manifest item's work.")
class ManifestIdentifier:
    scheme: str
    value: str


@strawberry.type(description="One line of the signed manifest.")
class ManifestItem:
    work_id: strawberry.ID
    title: str
    quantity: int
    format: str
    identifiers: list[ManifestIdentifier]
    object_id: str | None
    size: str | None = strawberry.field(description="Bytes of the file, as a decimal string.")
    sha256: str | None


@strawberry.type(description="A verified signature on the manifest.")
class ManifestSignature:
    role: str = strawberry.field(description="sender or receiver")
    kid: str
    partner_id: strawberry.ID
    alg: str
    signed_at: datetime


@strawberry.type(description="An item that did not arrive as listed.")
class Discrepancy:
    work_id: strawberry.ID
    expected: int
    received: int
    note: str


@strawberry.type(description="The signed manifest, verified against the published keys.")
class Manifest:
    digest: str = strawberry.field(description="SHA-256 of the canonical manifest.")
    created_at: datetime
    items: list[ManifestItem]
    signatures: list[ManifestSignature]
    discrepancies: list[Discrepancy]

    @classmethod
    def from_verified(cls, checked: verify.VerifiedManifest) -> Manifest:
        items = [
            ManifestItem(
                work_id=strawberry.ID(str(i.work_id)),
                title=i.title,
                quantity=i.quantity,
                format=i.format,
                identifiers=[
                    ManifestIdentifier(scheme=x.scheme, value=x.value) for x in i.identifiers
                ],
                object_id=None if i.digital is None else i.digital.object_id,
                size=None if i.digital is None else str(i.digital.size),
                sha256=None if i.digital is None else i.digital.sha256,
            )
            for i in checked.manifest.items
        ]
        signed = [("sender", checked.sender), ("receiver", checked.receiver)]
        signatures = [
            ManifestSignature(
                role=role,
                kid=s.kid,
                partner_id=strawberry.ID(str(s.partner_id)),
                alg=s.alg,
                signed_at=s.signed_at,
            )
            for role, s in signed
            if s is not None
        ]
        found = () if checked.receipt is None else checked.receipt.discrepancies
        return cls(
            digest=checked.digest,
            created_at=checked.manifest.created_at,
            items=items,
            signatures=signatures,
            discrepancies=[
                Discrepancy(
                    work_id=strawberry.ID(str(d.item)),
                    expected=d.expected,
                    received=d.received,
                    note=d.note,
                )
                for d in found
            ],
        )


@strawberry.type(description="Allocations travelling from one partner to another.")
class Shipment:
    id: strawberry.ID
    sender_id: strawberry.ID
    receiver_id: strawberry.ID
    mode: ShipmentMode
    state: ShipmentState
    tracking_number: str | None
    carrier: str | None
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[ShipmentRow]

    @classmethod
    def from_model(cls, row: ShipmentRow) -> Shipment:
        return cls(
            id=strawberry.ID(str(row.id)),
            sender_id=strawberry.ID(str(row.sender_id)),
            receiver_id=strawberry.ID(str(row.receiver_id)),
            mode=ShipmentMode(row.mode),
            state=ShipmentState(row.state),
            tracking_number=row.tracking_number,
            carrier=row.carrier,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )

    @strawberry.field
    async def sender(self, info: Info) -> Partner | None:
        found = await info.context.loaders.partner_by_id.load(self.row.sender_id)
        return None if found is None else Partner.from_model(found)

    @strawberry.field
    async def receiver(self, info: Info) -> Partner | None:
        found = await info.context.loaders.partner_by_id.load(self.row.receiver_id)
        return None if found is None else Partner.from_model(found)

    @strawberry.field(description="The allocations it carries.")
    async def items(self, info: Info) -> list[ShipmentItem]:
        rows = await info.context.loaders.shipment_items_by_shipment_id.load(self.row.id)
        return [ShipmentItem.from_model(r) for r in rows]

    @strawberry.field(description="Every transition, oldest first.")
    async def events(self, info: Info) -> list[ShipmentEvent]:
        rows = await info.context.loaders.shipment_events_by_shipment_id.load(self.row.id)
        return [ShipmentEvent.from_model(r) for r in rows]

    @strawberry.field(description="What you may do with it now.")
    async def available_actions(self, info: Info) -> list[Action]:
        return await info.context.loaders.available_actions_by_shipment.load(self.row)

    @strawberry.field(description="The signed manifest, verified (null before dispatch).")
    async def manifest(self, info: Info) -> Manifest | None:
        try:
            checked = await info.context.loaders.verified_manifest_by_shipment.load(self.row)
        except verify.SignatureInvalid as error:
            problem = errors.Conflict(f"the manifest does not verify: {error.reason}")
            raise query_error(problem) from error
        return None if checked is None else Manifest.from_verified(checked)


@strawberry.input
class ShipmentFilter:
    state: ShipmentState | None = None
    mode: ShipmentMode | None = None
    partner_id: strawberry.ID | None = None


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
CreateShipmentResult = Annotated[Shipment | Errors, strawberry.union("CreateShipmentResult")]
AttachShipmentObjectResult = Annotated[
    ShipmentItem | Errors, strawberry.union("AttachShipmentObjectResult")
]
Moved = Shipment | IllegalTransition | Errors
PackShipmentResult = Annotated[Moved, strawberry.union("PackShipmentResult")]
ApproveShipmentResult = Annotated[Moved, strawberry.union("ApproveShipmentResult")]
DispatchShipmentResult = Annotated[Moved, strawberry.union("DispatchShipmentResult")]
MarkInTransitResult = Annotated[Moved, strawberry.union("MarkInTransitResult")]
MarkDeliveredResult = Annotated[Moved, strawberry.union("MarkDeliveredResult")]
ReceiveShipmentResult = Annotated[
    Shipment | Proposed | IllegalTransition | Errors, strawberry.union("ReceiveShipmentResult")
]
CancelShipmentResult = Annotated[Moved, strawberry.union("CancelShipmentResult")]
MarkLostResult = Annotated[Moved, strawberry.union("MarkLostResult")]


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
) -> Any:
    ctx = info.context

    async def work(uow: UnitOfWork) -> ShipmentRow:
        return await transitions.act(
            ctx.identity, to_uuid(id), action, _details(given), uow=uow, policy=ctx.runtime.policy
        )

    return await perform(ctx, work, Shipment.from_model)


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

        return await perform(ctx, work, Shipment.from_model)  # type: ignore[no-any-return]

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

        return await perform(ctx, work, ShipmentItem.from_model)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Packed (or held for approval if the destination is flagged).")
    async def pack_shipment(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> PackShipmentResult:
        return await _move(info, id, Action.PACK, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Release a held shipment (coordinators).")
    async def approve_shipment(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> ApproveShipmentResult:
        return await _move(info, id, Action.APPROVE, input)  # type: ignore[no-any-return]

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

        return await perform(ctx, work, Shipment.from_model)  # type: ignore[no-any-return]

    @strawberry.mutation(description="The carrier has it.")
    async def mark_in_transit(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> MarkInTransitResult:
        return await _move(info, id, Action.MARK_IN_TRANSIT, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="It reached the receiver's door.")
    async def mark_delivered(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> MarkDeliveredResult:
        return await _move(info, id, Action.MARK_DELIVERED, input)  # type: ignore[no-any-return]

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

        return await perform(ctx, work, render)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Call it off before it leaves.")
    async def cancel_shipment(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> CancelShipmentResult:
        return await _move(info, id, Action.CANCEL, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="It will not arrive.")
    async def mark_lost(
        self, info: Info, id: strawberry.ID, input: TransitionInput | None = None
    ) -> MarkLostResult:
        return await _move(info, id, Action.LOSE, input)  # type: ignore[no-any-return]
