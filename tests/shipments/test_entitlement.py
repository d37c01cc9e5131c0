"""An institution owns what was shipped to it: its researchers download it once received."""

from __future__ import annotations

import uuid

import pytest

from exchange.errors import NotFound, PermissionDenied
from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.objects import downloads
from exchange.runtime import Runtime
from exchange.shipments import transitions
from exchange.shipments.models import ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action
from tests.conftest import World
from tests.shipments.scene import allocate, attach_file, make_scene
from tests.shipments.test_workflow import take


async def test_researchers_of_the_receiving_partner_download_only_after_receipt(
    runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    allocation = await allocate(runtime, scene, scene.campus, scene.digital_line, 1)
    async with runtime.db.unit_of_work() as uow:
        shipment = await transitions.create(
            scene.sender, [allocation], ShipmentMode.DIGITAL, uow=uow, policy=runtime.policy
        )
    object_id = await attach_file(
        runtime,
        scene,
        shipment,
        allocation,
        b"licensed chapter\n" * 100,
        licence="LicenseRef-donor",
    )
    async with runtime.db.unit_of_work() as uow:
        account = await identity_service.create_account(
            SYSTEM, identity_service.AccountDraft("reader@campus.example.org", "Reader"),
            uow=uow, policy=runtime.policy,
        )  # fmt: skip
    researcher = Identity(account.id, None, (Grant(scene.campus, Role.RESEARCHER),))
    stranger = Identity(uuid.UUID(world.account_ids["researcher"]), None,
                        (Grant(scene.national, Role.RESEARCHER),))  # fmt: skip

    async def fetch(who: Identity) -> downloads.DownloadGrant:
        async with runtime.db.unit_of_work() as uow:
            return await downloads.download(
                who,
                object_id,
                uow=uow,
                storage=runtime.storage,
                policy=runtime.policy,
            )

    # before dispatch the receiver does not even see the file; from dispatch on it sees it
    # but downloads a restricted one only once received
    refusals = (
        (Action.PACK, NotFound),
        (Action.DISPATCH, PermissionDenied),
        (Action.MARK_IN_TRANSIT, PermissionDenied),
        (Action.MARK_DELIVERED, PermissionDenied),
    )
    for action, refusal in refusals:
        await take(runtime, scene, shipment.id, action, scene.sender)
        with pytest.raises(refusal):
            await fetch(researcher)
    received = await take(
        runtime, scene, shipment.id, Action.RECEIVE, scene.receivers[scene.campus]
    )
    assert received.state == ShipmentState.RECEIVED.value

    grant = await fetch(researcher)
    assert grant.download is not None
    assert grant.download.partner_id == scene.campus
    with pytest.raises(NotFound):  # not a party to the shipment: a restricted file is hidden
        await fetch(stranger)
