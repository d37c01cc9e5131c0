"""What the shipment pages refuse, by the field it concerns, with nothing signed or changed:
a received count that is not a whole number ("five", "²", 2**63), a note longer than the
text rule allows (never cut silently), and a state filter that is not a state."""

from __future__ import annotations

import re

import httpx
import pytest

from exchange.identity.identity import Role
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import member_signed_in, person, rows, sign_in
from tests.shipments.scene import allocate, make_scene

pytestmark = pytest.mark.signing_keys  # dispatches sign their manifests


async def _delivered(client: httpx.AsyncClient, runtime: Runtime, world: World) -> str:
    """A shipment of 3 copies, dispatched (signed) and delivered; its page's path."""
    scene = await make_scene(runtime, world)
    await allocate(runtime, scene, scene.national, scene.print_line, 3)
    await person(runtime, "sender@example.org", scene.donor, Role.LIBRARIAN)
    await person(runtime, "receiver@example.org", scene.national, Role.LIBRARIAN)
    await person(runtime, "coord@example.org", scene.donor, Role.COORDINATOR)
    csrf = await sign_in(client, "sender@example.org")
    packing = await client.get("/shipments/new")
    allocation_ids = re.findall(r'name="allocation" value="([^"]+)"', packing.text)
    created = await client.post(
        "/shipments/new", data={"csrf": csrf, "mode": "physical", "allocation": allocation_ids}
    )
    path = created.headers["location"]
    assert (await client.post(path + "/pack", data={"csrf": csrf})).status_code == 303
    csrf = await sign_in(client, "coord@example.org")
    assert (await client.post(path + "/approve", data={"csrf": csrf})).status_code == 303
    csrf = await sign_in(client, "sender@example.org")
    assert (await client.post(path + "/dispatch", data={"csrf": csrf})).status_code == 303
    assert (await client.post(path + "/mark_delivered", data={"csrf": csrf})).status_code == 303
    return path


async def _shipment(runtime: Runtime) -> list[tuple[object, ...]]:
    """Its state and its signed manifest (the receipt's countersignature is added to it)."""
    return await rows(runtime, "SELECT state, manifest FROM shipment")


@pytest.mark.parametrize(
    ("count", "code_message"),
    [
        ("five", "Enter a whole number."),
        ("²", "Enter a whole number."),
        ("-1", "Enter a whole number."),
        (str(2**63), f"between 0 and {2**53 - 1}"),
    ],
)
async def test_a_received_count_that_is_not_a_whole_number_signs_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, count: str, code_message: str
) -> None:
    path = await _delivered(client, runtime, world)
    csrf = await sign_in(client, "receiver@example.org")
    item = re.findall(r'name="received-([^"]+)"', (await client.get(path)).text)[0]
    before = await _shipment(runtime)
    events = await rows(runtime, "SELECT count(*) FROM shipment_event")
    answer = await client.post(path + "/receive", data={"csrf": csrf, f"received-{item}": count})
    assert answer.status_code == 400, answer.text
    assert f"received-{item}: {code_message}" in answer.text
    assert before[0][0] == "delivered"
    assert await _shipment(runtime) == before
    assert await rows(runtime, "SELECT count(*) FROM shipment_event") == events


async def test_a_receipt_note_is_kept_whole_or_refused_never_cut(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    path = await _delivered(client, runtime, world)
    csrf = await sign_in(client, "receiver@example.org")
    item = re.findall(r'name="received-([^"]+)"', (await client.get(path)).text)[0]
    before = await _shipment(runtime)
    too_long = await client.post(
        path + "/receive",
        data={"csrf": csrf, f"received-{item}": "2", f"note-{item}": "x" * 5001},
    )
    assert too_long.status_code == 400, too_long.text
    assert "discrepancies[0].note: at most 5000 characters" in too_long.text
    assert await _shipment(runtime) == before

    note = "water-damaged " * 50  # 700 characters: the page once kept 500 of them
    kept = await client.post(
        path + "/receive", data={"csrf": csrf, f"received-{item}": "2", f"note-{item}": note}
    )
    assert kept.status_code == 303, kept.text
    [(state, _)] = await _shipment(runtime)
    assert state == "received_with_discrepancy"
    page = await client.get(path)
    assert f"expected 3, received 2 — {note.strip()}</" in page.text


async def test_an_event_note_longer_than_the_rule_is_refused_not_cut(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    path = await _delivered(client, runtime, world)
    csrf = await sign_in(client, "receiver@example.org")
    events = await rows(runtime, "SELECT count(*) FROM shipment_event")
    before = await _shipment(runtime)
    answer = await client.post(path + "/receive", data={"csrf": csrf, "note": "n" * 2001})
    assert answer.status_code == 400, answer.text
    assert "note: at most 2000 characters" in answer.text
    assert await _shipment(runtime) == before
    assert await rows(runtime, "SELECT count(*) FROM shipment_event") == events


async def test_a_state_filter_that_is_not_a_state_is_refused_by_its_field(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await member_signed_in(client, runtime, "coord@example.org", world.donor, Role.COORDINATOR)
    answer = await client.get("/shipments", params={"state": "bogus"})
    assert answer.status_code == 400
    assert "state: Choose a state from the list." in answer.text
    assert (await client.get("/shipments", params={"state": "draft"})).status_code == 200
