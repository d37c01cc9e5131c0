"""The shipment state table, walked row by row, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from sqlmodel import col, select

from exchange.audit import chain
from exchange.errors import NotFound, PermissionDenied
from exchange.identity.identity import SYSTEM, Identity, Role
from exchange.keys import jwks
from exchange.keys.custody import Custody
from exchange.manifests.statement import Discrepancy
from exchange.manifests.verify import verify
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.runtime import Runtime
from exchange.shipments import service as shipments
from exchange.shipments import transitions, workflow
from exchange.shipments.errors import IllegalTransition, SigningUnavailable
from exchange.shipments.models import Shipment, ShipmentEvent, ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action, Transition
from tests.conftest import World
from tests.shipments.scene import Scene, draft, make_scene, person

S = ShipmentState

# how to bring a shipment to each state: the receiver, and the actions from draft
PATHS: dict[ShipmentState, tuple[str, tuple[Action, ...]]] = {
    S.DRAFT: ("campus", ()),
    S.PACKED: ("campus", (Action.PACK,)),
    S.AWAITING_APPROVAL: ("national", (Action.PACK,)),
    S.APPROVED: ("national", (Action.PACK, Action.APPROVE)),
    S.DISPATCHED: ("campus", (Action.PACK, Action.DISPATCH)),
    S.IN_TRANSIT: ("campus", (Action.PACK, Action.DISPATCH, Action.MARK_IN_TRANSIT)),
    S.DELIVERED: ("campus", (Action.PACK, Action.DISPATCH, Action.MARK_DELIVERED)),
}


def allowed_actor(scene: Scene, shipment: Shipment, permission: str) -> Identity:
    return {
        "shipment.pack": scene.sender,
        "shipment.approve": scene.coordinator,
        "shipment.dispatch": scene.sender,
        "shipment.track": scene.sender,
        "shipment.receive": scene.receivers[shipment.receiver_id],
        "shipment.cancel": scene.sender,
        "shipment.lose": scene.coordinator,
    }[permission]


def denied_actor(scene: Scene, shipment: Shipment, permission: str) -> Identity:
    """Someone who sees the shipment but may not take this action."""
    receiver = scene.receivers[shipment.receiver_id]
    return {
        "shipment.pack": receiver,
        "shipment.approve": scene.sender,
        "shipment.dispatch": scene.coordinator,
        "shipment.track": person(scene.donor, Role.RESEARCHER),
        "shipment.receive": scene.sender,
        "shipment.cancel": receiver,
        "shipment.lose": receiver,
    }[permission]


async def take(
    runtime: Runtime,
    scene: Scene,
    shipment_id: uuid.UUID,
    action: Action,
    identity: Identity,
    discrepancies: Sequence[Discrepancy] = (),
) -> Shipment:
    policy, custody = runtime.policy, scene.custody(runtime)
    details = transitions.EventDetails(location="Leipzig", note=f"{action.value} note")
    async with runtime.db.unit_of_work() as uow:
        if action is Action.DISPATCH:
            details = transitions.EventDetails(tracking_number="RR123456789DE", carrier="DHL")
            return await transitions.dispatch(
                identity, shipment_id, details, uow=uow, policy=policy, custody=custody
            )
        if action is Action.RECEIVE:
            return await transitions.receive(
                identity, shipment_id, discrepancies, details, uow=uow, policy=policy,
                custody=custody,
            )  # fmt: skip
        return await transitions.act(identity, shipment_id, action, details, uow=uow, policy=policy)


async def bring_to(
    runtime: Runtime, scene: Scene, state: ShipmentState, *, held: bool = False
) -> Shipment:
    receiver_name, path = PATHS[state]
    receiver_name = "national" if held else receiver_name
    receiver = scene.national if receiver_name == "national" else scene.campus
    shipment = await draft(runtime, scene, receiver)
    for action in path:
        permission = workflow.permission_of(action)
        shipment = await take(
            runtime, scene, shipment.id, action, allowed_actor(scene, shipment, permission)
        )
    assert shipment.state == state.value
    return shipment


async def snapshot(runtime: Runtime, shipment_id: uuid.UUID) -> tuple[Any, ...]:
    async with runtime.db.read() as session:
        row = await session.get(Shipment, shipment_id)
        assert row is not None
        events = (
            await session.exec(
                select(ShipmentEvent.id).where(ShipmentEvent.shipment_id == shipment_id)
            )
        ).all()
        head = await chain.head(session)
    return row.snapshot(), row.manifest, len(events), head.seq if head else 0


CASES = [
    pytest.param(row, source, id=f"{row.action.value}:{source.value}->{row.target.value}")
    for row in workflow.TRANSITIONS
    for source in sorted(row.sources)
]


@pytest.mark.parametrize(("row", "source"), CASES)
async def test_every_row_of_the_table_moves_for_its_actor_and_refuses_anyone_else(
    runtime: Runtime, world: World, row: Transition, source: ShipmentState
) -> None:
    scene = await make_scene(runtime, world)
    shipment = await bring_to(runtime, scene, source, held=row.guard is workflow.held)
    discrepancies = []  # the guard of each receive row picks on them
    if row.target is S.RECEIVED_WITH_DISCREPANCY:
        discrepancies = [Discrepancy(scene.works[0], 3, 2, "one copy torn")]

    before = await snapshot(runtime, shipment.id)
    denied = denied_actor(scene, shipment, row.permission)
    with pytest.raises(PermissionDenied) as refused:
        await take(runtime, scene, shipment.id, row.action, denied, discrepancies)
    assert refused.value.action == row.permission
    assert await snapshot(runtime, shipment.id) == before

    moved = await take(
        runtime,
        scene,
        shipment.id,
        row.action,
        allowed_actor(scene, shipment, row.permission),
        discrepancies,
    )
    assert moved.state == row.target.value
    async with runtime.db.read() as session:
        events = (await shipments.events_of([shipment.id], session=session))[shipment.id]
    assert (events[-1].action, events[-1].from_state, events[-1].to_state) == (
        row.action.value,
        source.value,
        row.target.value,
    )


@pytest.mark.parametrize("row", workflow.TRANSITIONS, ids=lambda r: f"{r.action.value}")
async def test_every_action_is_refused_from_a_state_outside_its_row_naming_the_allowed_ones(
    runtime: Runtime, world: World, row: Transition
) -> None:
    scene = await make_scene(runtime, world)
    source = S.DELIVERED if S.DRAFT in row.sources else S.DRAFT
    shipment = await bring_to(runtime, scene, source)
    before = await snapshot(runtime, shipment.id)
    actor = allowed_actor(scene, shipment, row.permission)
    with pytest.raises(IllegalTransition) as illegal:
        await take(runtime, scene, shipment.id, row.action, actor)
    # only the actions this actor may take from there, as availableActions lists them
    async with runtime.db.read() as session:
        row_now = await session.get(Shipment, shipment.id)
        assert row_now is not None
        mine = await shipments.available_actions(
            actor, row_now, session=session, policy=runtime.policy
        )
    expected = tuple(a.value for a in mine)
    assert set(expected) <= {a.value for a in workflow.possible(source, workflow.Facts(False))}
    assert (illegal.value.state, illegal.value.allowed) == (source.value, expected)
    names = ", ".join(expected) or "none"
    assert f"the shipment's state is {source.value}; allowed: {names}" in illegal.value.message
    assert await snapshot(runtime, shipment.id) == before


async def test_a_shipment_to_a_review_destination_waits_for_a_coordinator(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    shipment = await bring_to(runtime, scene, S.AWAITING_APPROVAL)
    with pytest.raises(IllegalTransition):
        await take(runtime, scene, shipment.id, Action.DISPATCH, scene.sender)
    await take(runtime, scene, shipment.id, Action.APPROVE, scene.coordinator)
    sent = await take(runtime, scene, shipment.id, Action.DISPATCH, scene.sender)
    assert sent.state == S.DISPATCHED.value


async def test_cedar_holds_a_packed_shipment_whose_destination_was_flagged_afterwards(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    shipment = await bring_to(runtime, scene, S.PACKED)
    async with runtime.db.unit_of_work() as uow:
        await partners.update(
            SYSTEM,
            scene.campus,
            partners.PartnerPatch(tags=["review-destination"]),
            uow=uow,
            policy=runtime.policy,
        )
    before = await snapshot(runtime, shipment.id)
    with pytest.raises(PermissionDenied):
        await take(runtime, scene, shipment.id, Action.DISPATCH, scene.sender)
    assert await snapshot(runtime, shipment.id) == before


async def test_the_timeline_lists_every_transition_with_who_when_where(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    shipment = await bring_to(runtime, scene, S.DELIVERED)
    receiver = scene.receivers[scene.campus]
    await take(runtime, scene, shipment.id, Action.RECEIVE, receiver)
    async with runtime.db.read() as session:
        events = (await shipments.events_of([shipment.id], session=session))[shipment.id]
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("create", None, "draft"),
        ("pack", "draft", "packed"),
        ("dispatch", "packed", "dispatched"),
        ("mark_delivered", "dispatched", "delivered"),
        ("receive", "delivered", "received"),
    ]
    assert events[2].tracking_number == "RR123456789DE"
    assert events[2].carrier == "DHL"
    assert events[3].location == "Leipzig"
    assert events[3].note == "mark_delivered note"
    assert events[-1].actor == receiver.label
    assert [e.at for e in events] == sorted(e.at for e in events)


async def test_the_manifest_is_signed_by_the_sender_and_countersigned_by_the_receiver(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    shipment = await bring_to(runtime, scene, S.DELIVERED)
    dispatched = json.loads(shipment.manifest or "")
    received = await take(
        runtime,
        scene,
        shipment.id,
        Action.RECEIVE,
        scene.receivers[scene.campus],
        [Discrepancy(scene.works[0], 3, 2, "one copy water-damaged")],
    )
    assert received.state == S.RECEIVED_WITH_DISCREPANCY.value
    async with runtime.db.read() as session:
        ring = jwks.parse(await jwks.build(SYSTEM, session=session, policy=runtime.policy))
    document = json.loads(received.manifest or "")
    assert document["signatures"][0] == dispatched["signatures"][0]
    checked = verify(document, ring)
    assert checked.sender.partner_id == scene.donor
    assert checked.receiver is not None
    assert checked.receiver.partner_id == scene.campus
    assert checked.manifest.shipment_id == shipment.id
    [item] = checked.manifest.items
    assert (item.work_id, item.quantity, item.format, item.title) == (
        scene.works[0],
        3,
        "print",
        "Numerical Methods, part 1",
    )
    assert [(i.scheme, i.value) for i in item.identifiers] == [("isbn", "9780306406157")]
    assert checked.receipt is not None
    assert [(d.item, d.expected, d.received) for d in checked.receipt.discrepancies] == [
        (scene.works[0], 3, 2)
    ]


async def test_a_digital_manifest_lists_each_file_with_size_and_sha256(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    shipment = await draft(runtime, scene, scene.campus, ShipmentMode.DIGITAL)
    await take(runtime, scene, shipment.id, Action.PACK, scene.sender)
    sent = await take(runtime, scene, shipment.id, Action.DISPATCH, scene.sender)
    async with runtime.db.read() as session:
        ring = jwks.parse(await jwks.build(SYSTEM, session=session, policy=runtime.policy))
    [item] = verify(json.loads(sent.manifest or ""), ring).manifest.items
    assert item.digital is not None
    assert item.digital.size == len(b"chapter one\n" * 1000)


async def test_dispatch_without_a_custodial_key_fails_and_changes_nothing(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    shipment = await bring_to(runtime, scene, S.PACKED)
    before = await snapshot(runtime, shipment.id)
    with pytest.raises(SigningUnavailable, match="has no custodial signing key"):
        await take(runtime, scene, shipment.id, Action.DISPATCH, scene.sender)
    async with runtime.db.unit_of_work() as uow:
        with pytest.raises(SigningUnavailable, match="no key-encryption key is configured"):
            await transitions.dispatch(
                scene.sender, shipment.id, uow=uow, policy=runtime.policy, custody=Custody(None)
            )
    assert await snapshot(runtime, shipment.id) == before


async def test_available_actions_follow_the_table_and_the_policy(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    held = await bring_to(runtime, scene, S.AWAITING_APPROVAL)
    delivered = await bring_to(runtime, scene, S.DELIVERED)
    async with runtime.db.read() as session:

        async def actions(identity: Identity, shipment: Shipment) -> list[str]:
            found = await shipments.available_actions(
                identity, shipment, session=session, policy=runtime.policy
            )
            return [a.value for a in found]

        assert await actions(scene.sender, held) == ["cancel"]
        assert await actions(scene.coordinator, held) == ["approve", "cancel"]
        assert await actions(scene.receivers[scene.national], held) == []
        assert await actions(scene.receivers[scene.campus], delivered) == ["receive"]
        assert await actions(scene.sender, delivered) == []


async def test_partners_see_only_their_own_shipments_and_coordinators_see_all(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    to_national = await draft(runtime, scene, scene.national)
    to_campus = await draft(runtime, scene, scene.campus)
    async with runtime.db.read() as session:

        async def seen(identity: Identity) -> list[uuid.UUID]:
            page = await shipments.list(
                identity,
                shipments.ShipmentFilter(),
                PageRequest(50, None),
                session=session,
                policy=runtime.policy,
            )
            return [s.id for s in page.items]

        assert await seen(scene.coordinator) == [to_national.id, to_campus.id]
        assert await seen(scene.sender) == [to_national.id, to_campus.id]
        assert await seen(scene.receivers[scene.campus]) == [to_campus.id]
        assert await seen(scene.outsider) == []
        with pytest.raises(NotFound):
            await shipments.get(
                scene.receivers[scene.campus],
                to_national.id,
                session=session,
                policy=runtime.policy,
            )
        rows = (await session.exec(select(Shipment).order_by(col(Shipment.id)))).all()
        assert len(rows) == 2
