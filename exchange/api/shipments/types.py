"""A shipment in the GraphQL schema: its items, its timeline and what you may do next."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange import errors
from exchange.api.allocations import Allocation
from exchange.api.context import Info
from exchange.api.errors import query_error
from exchange.api.partners import Partner
from exchange.api.scalars import to_uuid
from exchange.api.shipments.manifest import Manifest
from exchange.api.works import Work
from exchange.manifests import verify
from exchange.shipments.models import Shipment as ShipmentRow
from exchange.shipments.models import ShipmentEvent as EventRow
from exchange.shipments.models import ShipmentItem as ItemRow
from exchange.shipments.models import ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action

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
