"""A digital shipment waiting for its file, and who is who around it: the sender's
librarian, a researcher of the sender, and the receiver's librarian (a foreign partner)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from exchange.identity.identity import Role
from exchange.runtime import Runtime
from exchange.shipments import transitions
from exchange.shipments.models import ShipmentMode
from tests.conftest import World
from tests.pages.people import person, rows
from tests.shipments.scene import allocate, make_scene

SENDER = "sender@example.org"
RESEARCHER = "reader@example.org"
FOREIGN = "receiver@example.org"


@dataclass(frozen=True)
class UploadScene:
    shipment: uuid.UUID
    sender: uuid.UUID  # the partners
    receiver: uuid.UUID
    unrelated: uuid.UUID  # a partner neither sending nor receiving it

    @property
    def page(self) -> str:
        return f"/shipments/{self.shipment}/upload"


async def upload_scene(runtime: Runtime, world: World) -> UploadScene:
    scene = await make_scene(runtime, world, custodial=False)
    allocation = await allocate(runtime, scene, scene.national, scene.digital_line, 2)
    async with runtime.db.unit_of_work() as uow:
        shipment = await transitions.create(
            scene.sender, [allocation], ShipmentMode.DIGITAL, uow=uow, policy=runtime.policy
        )
    await person(runtime, SENDER, scene.donor, Role.LIBRARIAN)
    await person(runtime, RESEARCHER, scene.donor, Role.RESEARCHER)
    await person(runtime, FOREIGN, scene.national, Role.LIBRARIAN)
    return UploadScene(shipment.id, scene.donor, scene.national, scene.campus)


def form_fields(csrf: str, scene: UploadScene, **extra: str) -> dict[str, str]:
    """The upload form's fields for the scene's shipment, held by its sender, under an open
    licence; ``extra`` adds or replaces fields."""
    return {
        "csrf": csrf,
        "shipment": str(scene.shipment),
        "owner": str(scene.sender),
        "licence": "CC-BY-4.0",
        **extra,
    }


async def objects_held(runtime: Runtime) -> list[tuple[object, ...]]:
    """Every digital object row: (filename, size, sha256, state, rejection reason)."""
    return await rows(
        runtime,
        "SELECT filename, size, sha256, state, rejection_reason FROM digital_object"
        " ORDER BY created_at",
    )


async def stored_keys(runtime: Runtime) -> list[str]:
    return [key async for key in runtime.storage.list_keys("objects/")]
