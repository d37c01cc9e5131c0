"""Uploading a digital copy of a work through the pages: the plain form (no JavaScript)
streams the file through the instance, the object is attached to the work and held by
the uploader's partner, and the work page lists it. The form and its link are offered
only to whom Cedar lets upload; a post by anyone else stores nothing."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Role
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, rows, sign_in

LIBRARIAN = "kim@example.org"
DONOR_LIBRARIAN = "lee@example.org"
READER = "reader@example.org"
DATA = b"%PDF-1.4\n" + bytes(range(256)) * 300


@pytest.fixture
async def work_id(runtime: Runtime, world: World) -> uuid.UUID:
    await person(runtime, LIBRARIAN, world.national, Role.LIBRARIAN)
    await person(runtime, DONOR_LIBRARIAN, world.donor, Role.LIBRARIAN)
    await person(runtime, READER, world.national, Role.RESEARCHER)
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK,
            [("ko-Hang", "조선어 문법"), ("ko-Latn", "Chosŏnŏ munpŏp")],
            "kor",
            partner_id=uuid.UUID(world.national),
        )
        work = await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    return work.id


async def _objects(runtime: Runtime) -> list[tuple[object, ...]]:
    return await rows(
        runtime,
        "SELECT work_id, shipment_id, owner_partner_id, filename, size, sha256, state, licence,"
        " required_tag FROM digital_object",
    )


def _same(a: object, b: object) -> bool:
    return uuid.UUID(str(a)) == uuid.UUID(str(b))


@pytest.mark.parametrize(("email", "holder"), [(LIBRARIAN, "national"), (DONOR_LIBRARIAN, "donor")])
async def test_a_librarian_uploads_a_copy_of_a_work_with_the_plain_form(
    client: httpx.AsyncClient,
    runtime: Runtime,
    world: World,
    work_id: uuid.UUID,
    email: str,
    holder: str,
) -> None:
    """Any partner's librarian may hold a digital copy of a catalogued work."""
    csrf = await sign_in(client, email)
    work_page = await client.get(f"/catalogue/works/{work_id}")
    assert f'href="/catalogue/works/{work_id}/upload"' in work_page.text
    page = await client.get(f"/catalogue/works/{work_id}/upload")
    assert page.status_code == 200
    assert f'<input type="hidden" name="work" value="{work_id}">' in page.text
    assert '<script src="/static/upload.js" defer></script>' in page.text
    assert '<option value="CC-BY-4.0"></option>' in page.text  # the licences suggested
    posted = await client.post(
        "/uploads/file",
        data={
            "csrf": csrf,
            "work": str(work_id),
            "owner": getattr(world, holder),
            "licence": "LicenseRef-partners-only",
            "required_tag": "income-eligible",
        },
        files={"file": ("grammar.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 303, posted.text
    result = await client.get(posted.headers["location"])
    assert f'<a href="/catalogue/works/{work_id}">' in result.text
    [(work, shipment, owner, filename, size, sha256, state, licence, tag)] = await _objects(runtime)
    assert _same(work, work_id)
    assert _same(owner, getattr(world, holder))
    assert (shipment, filename, size, state) == (None, "grammar.pdf", len(DATA), "available")
    assert (sha256, licence, tag) == (
        hashlib.sha256(DATA).hexdigest(),
        "LicenseRef-partners-only",
        "income-eligible",
    )
    listed = await client.get(f"/catalogue/works/{work_id}")
    assert ">grammar.pdf" in listed.text


async def test_a_refused_licence_shows_beside_its_field_and_nothing_is_stored(
    client: httpx.AsyncClient, runtime: Runtime, world: World, work_id: uuid.UUID
) -> None:
    csrf = await sign_in(client, LIBRARIAN)
    posted = await client.post(
        "/uploads/file",
        data={"csrf": csrf, "work": str(work_id), "owner": world.national, "licence": "Mine-1.0"},
        files={"file": ("grammar.pdf", DATA, "application/pdf")},
        headers={"Accept-Language": "ko"},
    )
    assert posted.status_code == 400
    assert (
        'id="licence-error">일반적인 SPDX 식별자나 LicenseRef-&lt;이름&gt;을 쓰십시오</p>'
        in posted.text
    )
    assert 'name="licence" value="Mine-1.0"' in posted.text
    assert f'<input type="hidden" name="work" value="{work_id}">' in posted.text
    assert await _objects(runtime) == []
    assert [key async for key in runtime.storage.list_keys("objects/")] == []


async def test_a_researcher_is_offered_no_upload_and_a_post_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, work_id: uuid.UUID
) -> None:
    csrf = await sign_in(client, READER)
    assert "/upload" not in (await client.get(f"/catalogue/works/{work_id}")).text
    page = await client.get(f"/catalogue/works/{work_id}/upload")
    assert page.status_code == 200
    assert 'id="upload-form"' not in page.text
    refusal = "not allowed to upload a file: only librarians of the owning partner or admins may"
    assert f'<p class="error" id="problem" data-refused="policy">{refusal}</p>' in page.text
    posted = await client.post(
        "/uploads/file",
        data={"csrf": csrf, "work": str(work_id), "owner": world.national, "licence": "CC0-1.0"},
        files={"file": ("grammar.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 403
    assert f'<p id="problem">{refusal}</p>' in posted.text
    assert await _objects(runtime) == []
    assert [key async for key in runtime.storage.list_keys("objects/")] == []
    unknown = await client.get(f"/catalogue/works/{uuid.uuid4()}/upload")
    assert unknown.status_code == 404
