"""A print shipment through the pages, end to end: the donor's librarian packs it from its
allocations, the coordinator approves it (the receiver is under review), the donor
dispatches (the manifest is signed), the receiver confirms receipt with a discrepancy
(countersigned), and the coordinator sees the manifest verified and countersigned."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from exchange import clock
from exchange.identity.identity import Role
from exchange.runtime import Runtime
from exchange.shipments import transitions
from exchange.shipments.workflow import Action
from tests.conftest import World, db_state
from tests.pages.people import member_signed_in, person, rows, sign_in
from tests.pages.test_query_counts import statements
from tests.shipments.scene import allocate, draft, make_scene

pytestmark = pytest.mark.signing_keys  # dispatches sign their manifests


async def _state(runtime: Runtime) -> str:
    async with runtime.db.read() as session:
        connection = await session.connection()
        return str((await connection.execute(sa.text("SELECT state FROM shipment"))).scalar_one())


async def test_print_shipment_from_packing_to_countersigned_receipt(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    await allocate(runtime, scene, scene.national, scene.print_line, 3)
    await person(runtime, "sender@example.org", scene.donor, Role.LIBRARIAN)
    await person(runtime, "receiver@example.org", scene.national, Role.LIBRARIAN)
    await person(runtime, "coord@example.org", scene.donor, Role.COORDINATOR)

    csrf = await sign_in(client, "sender@example.org")
    packing = await client.get("/shipments/new")
    allocation_ids = re.findall(r'name="allocation" value="([^"]+)"', packing.text)
    assert len(allocation_ids) == 1
    created = await client.post(
        "/shipments/new",
        data={"csrf": csrf, "mode": "physical", "allocation": allocation_ids, "note": "box 1"},
    )
    assert created.status_code == 303
    path = created.headers["location"]
    packed = await client.post(path + "/pack", data={"csrf": csrf, "note": "sealed"})
    assert packed.status_code == 303
    assert await _state(runtime) == "awaiting_approval"
    # The sender may not approve its own shipment: the page offers no such step, and a
    # forged form is refused without change.
    page = await client.get(path)
    assert "/approve" not in page.text
    forged = await client.post(path + "/approve", data={"csrf": csrf})
    assert forged.status_code == 403, forged.text
    assert await _state(runtime) == "awaiting_approval"

    csrf = await sign_in(client, "coord@example.org")
    approved = await client.post(path + "/approve", data={"csrf": csrf, "note": "checked"})
    assert approved.status_code == 303
    assert await _state(runtime) == "approved"

    csrf = await sign_in(client, "sender@example.org")
    dispatched = await client.post(path + "/dispatch", data={"csrf": csrf})
    assert dispatched.status_code == 303
    delivered = await client.post(path + "/mark_delivered", data={"csrf": csrf})
    assert delivered.status_code == 303
    page = await client.get(path)
    assert 'data-manifest="verified"' in page.text
    assert 'data-countersigned="no"' in page.text

    csrf = await sign_in(client, "receiver@example.org")
    page = await client.get(path)
    item = re.findall(r'name="received-([^"]+)"', page.text)[0]
    received = await client.post(
        path + "/receive",
        data={"csrf": csrf, f"received-{item}": "2", f"note-{item}": "one copy water-damaged"},
    )
    assert received.status_code == 303
    assert await _state(runtime) == "received_with_discrepancy"

    await sign_in(client, "coord@example.org")
    page = await client.get(path)
    assert 'data-manifest="verified"' in page.text
    assert 'data-countersigned="yes"' in page.text
    assert "expected 3, received 2 — one copy water-damaged" in page.text
    timeline = re.findall(r"<time datetime", page.text)
    assert len(timeline) == 6  # create, pack, approve, dispatch, delivered, receive


async def test_shipments_filter_by_state_partner_and_days(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world)
    await allocate(runtime, scene, scene.national, scene.print_line, 3)
    await person(runtime, "sender@example.org", scene.donor, Role.LIBRARIAN)
    await person(runtime, "coord@example.org", scene.donor, Role.COORDINATOR)
    csrf = await sign_in(client, "sender@example.org")
    packing = await client.get("/shipments/new")
    allocation_ids = re.findall(r'name="allocation" value="([^"]+)"', packing.text)
    created = await client.post(
        "/shipments/new", data={"csrf": csrf, "mode": "physical", "allocation": allocation_ids}
    )
    shipment_id = created.headers["location"].rsplit("/", 1)[1]

    await sign_in(client, "coord@example.org")
    today = clock.now().date()

    async def listed(**params: str) -> list[str]:
        page = await client.get("/shipments", params=params)
        assert page.status_code == 200, page.text
        return re.findall(r'data-shipment-id="([^"]+)"', page.text)

    assert await listed() == [shipment_id]
    assert await listed(state="draft", partner=str(scene.national)) == [shipment_id]
    assert await listed(state="dispatched") == []
    assert await listed(partner=str(scene.campus)) == []
    assert await listed(**{"from": today.isoformat(), "to": today.isoformat()}) == [shipment_id]
    assert await listed(**{"to": (today - timedelta(days=1)).isoformat()}) == []
    bad = await client.get("/shipments", params={"from": "yesterday"})
    assert bad.status_code == 400
    assert "Choose dates from the form." in bad.text


async def test_each_listed_shipment_names_its_sender_and_receiver_in_fixed_statements(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """A row of ``/shipments`` names who sends and who receives (each name in its own
    language), read with the page: as many statements for four shipments as for one."""
    scene = await make_scene(runtime, world, custodial=False)
    await person(runtime, "coord@example.org", scene.donor, Role.COORDINATOR)
    first = await draft(runtime, scene, scene.national)
    await sign_in(client, "coord@example.org")

    async def listing() -> tuple[str, int]:
        with statements(runtime) as seen:
            page = await client.get("/shipments")
        assert page.status_code == 200
        return page.text, len(seen)

    one, few = await listing()
    row = re.search(rf'<tr data-shipment-id="{first.id}">(.*?)</tr>', one, re.S)
    assert row is not None
    assert '<td data-sender lang="en">Open Shelves Foundation</td>' in row.group(1)
    assert '<td data-receiver lang="ko-Hang">인민대학습당</td>' in row.group(1)
    more = [await draft(runtime, scene, to) for to in (scene.campus, scene.campus, scene.national)]
    four, many = await listing()
    assert re.findall(r'data-shipment-id="([^"]+)"', four) == [str(s.id) for s in (first, *more)]
    assert four.count('<td data-receiver lang="en">Riverside University Library</td>') == 2
    assert many == few


def problem(html: str) -> str:
    """What an error page says, as HTML."""
    found = re.search(r'<p id="problem">(.*?)</p>', html, re.S)
    assert found is not None, html
    return found.group(1)


async def test_release_is_offered_only_where_the_domain_would_release(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """A request's page offers Release for an allocation only when Cedar allows the reader
    to release it and no live shipment carries it; one that travels or has arrived links to
    its shipment instead. Posting the release anyway is still refused, nothing changed."""
    scene = await make_scene(runtime, world)
    custody = scene.custody(runtime)
    receiver = scene.receivers[scene.campus]
    arrived = await draft(runtime, scene, scene.campus)
    async with runtime.db.unit_of_work() as uow:
        policy = runtime.policy
        await transitions.act(scene.sender, arrived.id, Action.PACK, uow=uow, policy=policy)
        await transitions.dispatch(
            scene.sender, arrived.id, uow=uow, policy=policy, custody=custody
        )
        await transitions.act(receiver, arrived.id, Action.MARK_DELIVERED, uow=uow, policy=policy)
        await transitions.receive(receiver, arrived.id, uow=uow, policy=policy, custody=custody)
    waiting = await draft(runtime, scene, scene.campus, quantity=2)
    free = await allocate(runtime, scene, scene.campus, scene.print_line, 1)
    await person(runtime, "coord@example.org", scene.donor, Role.COORDINATOR)
    await person(runtime, "sender@example.org", scene.donor, Role.LIBRARIAN)
    csrf = await sign_in(client, "coord@example.org")

    async def shown(allocation: str) -> str:
        [(request_id,)] = await rows(
            runtime,
            "SELECT l.request_id FROM request_line l JOIN allocation a "
            f"ON a.request_line_id = l.id WHERE a.id = '{uuid.UUID(allocation).hex}' "
            f"OR a.id = '{allocation}'",
        )
        page = await client.get(f"/requests/{uuid.UUID(str(request_id))}")
        assert page.status_code == 200
        found = re.search(rf'<li data-allocation-id="{allocation}">(.*?)</li>', page.text, re.S)
        assert found is not None
        return found.group(1)

    [(carried_by_arrived,)] = await rows(
        runtime,
        "SELECT allocation_id FROM shipment_item WHERE shipment_id IN "
        f"('{arrived.id}', '{arrived.id.hex}')",
    )
    arrived_allocation = str(uuid.UUID(str(carried_by_arrived)))
    [(carried_by_waiting,)] = await rows(
        runtime,
        "SELECT allocation_id FROM shipment_item WHERE shipment_id IN "
        f"('{waiting.id}', '{waiting.id.hex}')",
    )
    waiting_allocation = str(uuid.UUID(str(carried_by_waiting)))

    release = "/release"
    assert release in await shown(str(free))
    delivered = await shown(arrived_allocation)
    assert release not in delivered
    assert f'<a href="/shipments/{arrived.id}" data-carried-by>in a shipment (received)</a>' in (
        delivered
    )
    packing = await shown(waiting_allocation)
    assert release not in packing
    assert f'<a href="/shipments/{waiting.id}" data-carried-by>in a shipment (draft)</a>' in packing

    before = await db_state(runtime)
    refused = await client.post(
        f"/allocations/{arrived_allocation}/release", data={"csrf": csrf, "back": "/board"}
    )
    assert refused.status_code == 409
    title = '“<span lang="en">Numerical Methods, part 1</span>”'
    assert problem(refused.text) == (
        f'allocation {title} travels in <a href="/shipments/{arrived.id}">shipment</a> '
        "(received): it has arrived and cannot be released"
    )
    client.cookies.set("lang", "ko")
    travels = await client.post(
        f"/allocations/{waiting_allocation}/release", data={"csrf": csrf, "back": "/board"}
    )
    assert travels.status_code == 409
    assert problem(travels.text) == (
        f'배정 {title}: <a href="/shipments/{waiting.id}">발송물</a>(초안)에 실려 있습니다. '
        "먼저 발송을 취소하십시오"
    )
    client.cookies.delete("lang")
    assert await db_state(runtime) == before

    await sign_in(client, "sender@example.org")  # the donor's librarian reads, may not release
    assert release not in await shown(str(free))


async def test_a_refused_packing_names_the_allocation_by_its_work_not_its_id(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """Packing an allocation a shipment already carries is refused by naming the work the
    allocation promises, in English and Korean; the allocation's id is not shown."""
    scene = await make_scene(runtime, world, custodial=False)
    allocation = str(await allocate(runtime, scene, scene.national, scene.print_line, 2))
    csrf = await member_signed_in(
        client, runtime, "sender@example.org", scene.donor, Role.LIBRARIAN
    )
    form = {"csrf": csrf, "mode": "physical", "allocation": [allocation]}
    assert (await client.post("/shipments/new", data=form)).status_code == 303
    before = await db_state(runtime)

    again = await client.post("/shipments/new", data=form)
    assert again.status_code == 409
    title = '“<span lang="en">Numerical Methods, part 1</span>”'
    assert problem(again.text) == f"allocation {title} is already in a shipment"
    client.cookies.set("lang", "ko")
    korean = await client.post("/shipments/new", data=form)
    assert korean.status_code == 409
    assert problem(korean.text) == f"배정 {title}: 이미 발송물에 들어 있습니다"
    assert allocation not in problem(again.text) + problem(korean.text)
    assert await db_state(runtime) == before
