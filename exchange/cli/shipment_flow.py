"""``exchange shipment create|act|receive|show``: a shipment's life from the command line,
as the system. ``receive`` on a shipment owned by another instance countersigns here (with
the receiver's key held here) and sends the receipt to the owner as a proposal."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from exchange.cli.exit_codes import VerificationFailed
from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.cli.shipments import shipment_group
from exchange.cli.trade import AS_OPTION, actor
from exchange.identity.identity import SYSTEM
from exchange.keys import jwks
from exchange.keys.custody import Custody
from exchange.manifests import verify
from exchange.runtime import Runtime
from exchange.shipments import service, transitions
from exchange.shipments.models import Shipment, ShipmentMode
from exchange.shipments.workflow import Action
from exchange.sync import proposals

__all__ = ["shipment_group"]

ACTIONS = [a.value for a in Action if a not in (Action.RECEIVE,)]


@shipment_group.command(name="create")
@click.option("--allocation", "allocations", type=click.UUID, multiple=True, required=True)
@click.option("--mode", type=click.Choice([m.value for m in ShipmentMode]), default="physical")
@AS_OPTION
@click.pass_context
def create(
    ctx: click.Context, as_email: str | None, allocations: tuple[uuid.UUID, ...], mode: str
) -> None:
    """A draft shipment of the allocations (one donor, one requester); prints its id."""

    async def work(runtime: Runtime) -> uuid.UUID:
        who = await actor(runtime, as_email)
        async with runtime.db.unit_of_work() as uow:
            made = await transitions.create(
                who, list(allocations), ShipmentMode(mode), uow=uow, policy=runtime.policy
            )
        return made.id

    say(str(with_runtime(ctx, work)))


@shipment_group.command(name="act")
@click.argument("shipment_id", type=click.UUID)
@click.argument("action", type=click.Choice(ACTIONS))
@click.option("--note", default=None)
@AS_OPTION
@click.pass_context
def act(
    ctx: click.Context, as_email: str | None, shipment_id: uuid.UUID, action: str, note: str | None
) -> None:
    """Move the shipment (dispatch signs its manifest with the sender's custodial key);
    prints the new state."""
    details = transitions.EventDetails(note=note)

    async def work(runtime: Runtime) -> str:
        who = await actor(runtime, as_email)
        async with runtime.db.unit_of_work() as uow:
            if action == Action.DISPATCH.value:
                moved = await transitions.dispatch(
                    who, shipment_id, details, uow=uow, policy=runtime.policy,
                    custody=Custody(runtime.settings.key_encryption_key_bytes),
                )  # fmt: skip
            else:
                moved = await transitions.act(
                    who, shipment_id, Action(action), details, uow=uow, policy=runtime.policy
                )
        return moved.state

    say(f"{shipment_id}\t{with_runtime(ctx, work)}")


@shipment_group.command(name="receive")
@click.argument("shipment_id", type=click.UUID)
@click.option("--note", default=None)
@AS_OPTION
@click.pass_context
def receive(
    ctx: click.Context, as_email: str | None, shipment_id: uuid.UUID, note: str | None
) -> None:
    """Confirm receipt: the receiver countersigns with its key held here. For a shipment
    owned by another instance, prints ``proposed, awaiting instance <id>``: the receipt
    travels there in the next bundle."""

    async def work(runtime: Runtime) -> proposals.Claimed:
        who = await actor(runtime, as_email)
        async with runtime.db.unit_of_work() as uow:
            return await proposals.confirm_receipt(
                who, shipment_id, (), transitions.EventDetails(note=note), uow=uow,
                policy=runtime.policy,
                custody=Custody(runtime.settings.key_encryption_key_bytes),
            )  # fmt: skip

    claimed = with_runtime(ctx, work)
    if claimed.proposed:
        say(f"{shipment_id}\t{claimed.awaiting}\tproposal {claimed.proposal_id}")
    else:
        say(f"{shipment_id}\treceived")


@shipment_group.command(name="show")
@click.argument("shipment_id", type=click.UUID)
@click.option(
    "--manifest",
    "manifest_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the signed manifest (JWS JSON) here.",
)
@AS_OPTION
@click.pass_context
def show(
    ctx: click.Context, as_email: str | None, shipment_id: uuid.UUID, manifest_out: Path | None
) -> None:
    """The shipment's state, and its signatures checked against the keys this instance
    publishes: ``sender``/``receiver`` lines name the partner and key that signed."""

    async def work(runtime: Runtime) -> tuple[Shipment, verify.VerifiedManifest | None]:
        who = await actor(runtime, as_email)
        async with runtime.db.read() as session:
            shipment = await service.get(who, shipment_id, session=session, policy=runtime.policy)
            document = service.signed_manifest(shipment)
            if document is None:
                return shipment, None
            ring = jwks.parse(await jwks.build(SYSTEM, session=session, policy=runtime.policy))
        try:
            return shipment, verify.verify(document, ring)
        except verify.SignatureInvalid as error:
            raise VerificationFailed(
                f"the signed manifest does not verify: {error.reason}"
            ) from None

    shipment, checked = with_runtime(ctx, work)
    say(f"{shipment.id}\t{shipment.state}\t{shipment.sender_id} -> {shipment.receiver_id}")
    if checked is None:
        return
    say(f"sender\t{checked.sender.partner_id}\t{checked.sender.kid}\tverified")
    if checked.receiver is not None:
        say(f"receiver\t{checked.receiver.partner_id}\t{checked.receiver.kid}\tverified")
    if manifest_out is not None:
        manifest_out.write_text(shipment.manifest or "", "utf-8")
