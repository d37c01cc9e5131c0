"""Replicas are read-only at the partner's own instance: every mutation of a record the hub
owns is refused with ``OwnedElsewhere`` naming the hub (and nothing changes), except the
two that travel as proposals — claiming an offer line and confirming a receipt."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from exchange.allocations import service as allocations
from exchange.audit import chain
from exchange.catalogue import service as catalogue
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict
from exchange.identity.identity import SYSTEM, Role
from exchange.keys import service as keys
from exchange.offers import service as offers
from exchange.partners import service as partners
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import transitions
from exchange.shipments.models import Shipment
from exchange.shipments.workflow import Action
from exchange.sync import entities, proposals
from exchange.sync.models import SyncProposal
from exchange.sync.ownership import OwnedElsewhere
from tests.cli_runner import invoke
from tests.conftest import World
from tests.shipments.scene import Scene, allocate, draft, make_scene, person
from tests.sync.pair import Pair, cli_ok, peer, second_instance


@dataclass
class Held:
    """What the partner instance holds as replicas of the hub's records."""

    pair: Pair
    scene: Scene
    offer_id: uuid.UUID
    request_id: uuid.UUID
    request_line_id: uuid.UUID
    allocation_id: uuid.UUID
    open_line_id: uuid.UUID  # of a request nothing is allocated to yet
    shipment_id: uuid.UUID
    kid: str


async def hold_replicas(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, template: Path
) -> Held:
    scene = await make_scene(runtime, world)
    shipment = await draft(runtime, scene, scene.national)
    free = await allocate(runtime, scene, scene.national, scene.digital_line, 2)  # not shipped
    async with runtime.db.unit_of_work() as uow:
        wanting = await requests.create(
            scene.receivers[scene.national],
            requests.RequestDraft(
                scene.national, [requests.RequestLineDraft(5, work_id=scene.works[1])]
            ),
            uow=uow,
            policy=runtime.policy,
        )
        open_line = (await requests.lines_of([wanting.id], session=uow.session))[wanting.id][0]
    async with runtime.db.read() as session:
        row = (
            await session.execute(
                sa.text(
                    "SELECT a.id, a.request_line_id, l.request_id, o.offer_id FROM allocation a"
                    " JOIN request_line l ON l.id = a.request_line_id"
                    " JOIN offer_line o ON o.id = a.offer_line_id WHERE a.id = :free"
                ),
                {"free": free if runtime.db.dialect == "postgresql" else free.hex},
            )
        ).one()
        kid = (await keys.list(SYSTEM, scene.national, session=session, policy=runtime.policy))[
            0
        ].kid
    pair = await peer(
        settings, second_instance(tmp_path, template, "partner"), tmp_path, [world.national]
    )
    disk = tmp_path / "disk.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.partner_id), str(disk))
    await cli_ok(pair.partner, "sync", "import", str(disk))
    return Held(
        pair,
        scene,
        uuid.UUID(str(row[3])),
        uuid.UUID(str(row[2])),
        uuid.UUID(str(row[1])),
        uuid.UUID(str(row[0])),
        open_line.id,
        shipment.id,
        kid,
    )


Mutation = Callable[[Held, UnitOfWork, Runtime], Awaitable[Any]]

# mutation: (record watched, attribute of Held naming it, record the refusal names, action)
REFUSED: dict[str, tuple[str, str, str, Mutation]] = {
    "close the offer": (
        "offer",
        "offer_id",
        "offer",
        lambda h, uow, rt: offers.transition(
            h.scene.sender, h.offer_id, "close", uow=uow, policy=rt.policy
        ),
    ),
    "cancel the request": (
        "request",
        "request_id",
        "allocation",  # its allocations are released first
        lambda h, uow, rt: requests.cancel(
            h.scene.receivers[h.scene.national], h.request_id, uow=uow, policy=rt.policy
        ),
    ),
    "allocate on the replica line directly": (
        "offer",
        "offer_id",
        "allocation",
        lambda h, uow, rt: allocations.allocate(
            h.scene.coordinator,
            h.scene.digital_line,
            h.open_line_id,
            1,
            uow=uow,
            policy=rt.policy,
        ),
    ),
    "release the allocation": (
        "allocation",
        "allocation_id",
        "allocation",
        lambda h, uow, rt: allocations.release(
            h.scene.coordinator, h.allocation_id, uow=uow, policy=rt.policy
        ),
    ),
    "pack the shipment": (
        "shipment",
        "shipment_id",
        "shipment",
        lambda h, uow, rt: transitions.act(
            h.scene.sender, h.shipment_id, Action.PACK, uow=uow, policy=rt.policy
        ),
    ),
    "edit the work": (
        "work",
        "work",
        "work",
        lambda h, uow, rt: catalogue.update(
            SYSTEM, h.scene.works[0], catalogue.WorkPatch(year=1999), uow=uow, policy=rt.policy
        ),
    ),
    "suspend the partner": (
        "partner",
        "partner",
        "partner",
        lambda h, uow, rt: partners.suspend(SYSTEM, h.scene.national, uow=uow, policy=rt.policy),
    ),
    "revoke the key": (
        "signing_key",
        "kid",
        "signing_key",
        lambda h, uow, rt: keys.revoke(SYSTEM, h.kid, uow=uow, policy=rt.policy),
    ),
}


def _entity_id(held: Held, attribute: str) -> str:
    if attribute == "work":
        return str(held.scene.works[0])
    if attribute == "partner":
        return str(held.scene.national)
    return str(getattr(held, attribute))


async def fingerprint(runtime: Runtime, entity_type: str, entity_id: str) -> list[Any]:
    async with runtime.db.read() as session:
        head = await chain.head(session)
        rows = await entities.load(session, entity_type, [entity_id])
        proposals_held = (
            await session.exec(sa.select(sa.func.count()).select_from(SyncProposal))  # type: ignore[call-overload]
        ).scalar()
    return [head.seq if head else 0, head.hash if head else "", rows, proposals_held]


@pytest.mark.parametrize("mutation", list(REFUSED))
async def test_a_write_on_a_replica_is_refused_naming_the_owner_and_changes_nothing(
    mutation: str,
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    sqlite_template: Path,
) -> None:
    held = await hold_replicas(settings, runtime, world, tmp_path, sqlite_template)
    entity_type, attribute, refused_type, act = REFUSED[mutation]
    entity_id = _entity_id(held, attribute)
    remote = Runtime.start(held.pair.partner)
    try:
        before = await fingerprint(remote, entity_type, entity_id)
        assert before[2] != {}
        with pytest.raises(OwnedElsewhere) as refused:
            async with remote.db.unit_of_work() as uow:
                await act(held, uow, remote)
        assert refused.value.owner == held.pair.hub_id
        assert refused.value.entity_type == refused_type
        if refused_type == entity_type:
            assert refused.value.entity_id == entity_id
        assert f"owned by instance {held.pair.hub_id}" in refused.value.message
        assert await fingerprint(remote, entity_type, entity_id) == before
    finally:
        await remote.close()


async def test_claiming_a_replica_line_becomes_a_proposal_awaiting_the_owner(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    held = await hold_replicas(settings, runtime, world, tmp_path, sqlite_template)
    remote = Runtime.start(held.pair.partner)
    try:
        before = await fingerprint(remote, "offer", str(held.offer_id))
        async with remote.db.unit_of_work() as uow:
            claimed = await proposals.claim(
                held.scene.receivers[held.scene.national],
                held.scene.digital_line,
                held.open_line_id,
                2,
                uow=uow,
                policy=remote.policy,
            )
        assert (claimed.allocation_id, claimed.owner) == (None, held.pair.hub_id)
        assert claimed.awaiting == f"proposed, awaiting instance {held.pair.hub_id}"
        after = await fingerprint(remote, "offer", str(held.offer_id))
        assert after[2] == before[2]  # the replica of the offer is untouched
        assert after[3] == before[3] + 1
    finally:
        await remote.close()


async def test_receiving_a_replica_shipment_not_yet_delivered_is_refused_before_signing(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    held = await hold_replicas(settings, runtime, world, tmp_path, sqlite_template)
    remote = Runtime.start(held.pair.partner)
    try:
        async with remote.db.read() as session:
            shipment = await session.get(Shipment, held.shipment_id)
        assert shipment is not None
        assert (shipment.state, shipment.manifest) == ("draft", None)
        before = await fingerprint(remote, "shipment", str(held.shipment_id))
        with pytest.raises(Conflict) as refused:
            async with remote.db.unit_of_work() as uow:
                await proposals.confirm_receipt(
                    person(held.scene.national, Role.LIBRARIAN),
                    held.shipment_id,
                    uow=uow,
                    policy=remote.policy,
                    custody=held.scene.custody(remote),
                )
        assert str(refused.value) == "the shipment has no signed manifest"
        assert await fingerprint(remote, "shipment", str(held.shipment_id)) == before
    finally:
        await remote.close()


async def test_the_command_refuses_a_write_on_a_replica_with_exit_5_naming_the_owner(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    held = await hold_replicas(settings, runtime, world, tmp_path, sqlite_template)
    partner = held.pair.partner
    await cli_ok(
        partner, "account", "create", "--email", "sender@example.org", "--name", "Sender",
        "--partner", str(held.scene.donor), "--role", "librarian",
    )  # fmt: skip
    remote = Runtime.start(partner)
    try:
        before = await fingerprint(remote, "shipment", str(held.shipment_id))
    finally:
        await remote.close()
    result = await invoke(
        partner, "shipment", "act", "--as", "sender@example.org", str(held.shipment_id), "pack"
    )
    assert result.exit_code == 5
    assert result.output.strip() == (
        f"error: shipment {held.shipment_id} is a replica owned by instance"
        f" {held.pair.hub_id}: it changes only there"
    )
    remote = Runtime.start(partner)
    try:
        assert await fingerprint(remote, "shipment", str(held.shipment_id)) == before
    finally:
        await remote.close()
