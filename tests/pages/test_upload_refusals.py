"""The upload pages of a shipment and of a work, for whom the policy refuses any upload
(``uploaders.refusal``, the check ``start_upload`` makes): the page says the refused post's
own reason in place of the form, and the post is refused with the same words, storing
nothing. A suspended partner's librarian, a researcher, the receiving partner's librarian."""

from __future__ import annotations

import uuid

import httpx
import pytest

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Role
from exchange.partners import service as partners
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, sign_in
from tests.pages.upload_scene import (
    FOREIGN,
    RESEARCHER,
    SENDER,
    UploadScene,
    objects_held,
    stored_keys,
)

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 40
SUSPENDED = (
    "not allowed to upload a file: a partner it concerns is suspended (only admins act on it"
    " until it is reactivated)"
)
SUSPENDED_KO = (
    "파일 업로드 권한이 없습니다: 관련 협력 기관이 정지되었습니다"
    " (다시 활성화될 때까지 관리자만 처리할 수 있습니다)"
)
NOT_OWNER = "not allowed to upload a file: only librarians of the owning partner or admins may"
FORM = 'id="upload-form"'


pytestmark = pytest.mark.signing_keys  # dispatches sign their manifests


async def _suspend(runtime: Runtime, partner: str | uuid.UUID) -> None:
    async with runtime.db.unit_of_work() as uow:
        await partners.suspend(
            SYSTEM, uuid.UUID(str(partner)), "audit", uow=uow, policy=runtime.policy
        )


def _refusal(reason: str) -> str:
    return f'<p class="error" id="problem" data-refused="policy">{reason}</p>'


async def _post(client: httpx.AsyncClient, csrf: str, **fields: str) -> httpx.Response:
    return await client.post(
        "/uploads/file",
        data={"csrf": csrf, "licence": "CC-BY-4.0", **fields},
        files={"file": ("x.pdf", DATA, "application/pdf")},
    )


async def test_a_suspended_senders_librarian_is_shown_the_refusal_not_the_shipments_form(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    assert FORM in (await client.get(scene.page)).text  # before the suspension
    await _suspend(runtime, scene.sender)
    page = await client.get(scene.page)
    assert page.status_code == 200
    assert _refusal(SUSPENDED) in page.text
    assert FORM not in page.text
    assert "/static/upload.js" not in page.text
    korean = await client.get(scene.page, headers={"Accept-Language": "ko"})
    assert _refusal(SUSPENDED_KO) in korean.text
    posted = await _post(client, csrf, shipment=str(scene.shipment), owner=str(scene.sender))
    assert posted.status_code == 403
    assert f'<p id="problem">{SUSPENDED}</p>' in posted.text
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []


@pytest.mark.parametrize("email", [RESEARCHER, FOREIGN])
async def test_who_may_not_upload_to_a_shipment_is_shown_the_policys_reason(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene, email: str
) -> None:
    csrf = await sign_in(client, email)
    page = await client.get(scene.page)
    assert page.status_code == 200
    assert _refusal(NOT_OWNER) in page.text
    assert FORM not in page.text
    posted = await _post(client, csrf, shipment=str(scene.shipment), owner=str(scene.sender))
    assert posted.status_code == 403
    assert f'<p id="problem">{NOT_OWNER}</p>' in posted.text
    assert await objects_held(runtime) == []


async def test_a_suspended_partners_librarian_is_shown_the_refusal_not_the_works_form(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK, [("en", "A grammar")], "kor", partner_id=uuid.UUID(world.national)
        )
        work = await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    path = f"/catalogue/works/{work.id}/upload"
    csrf = await sign_in(client, "kim@example.org")
    assert FORM in (await client.get(path)).text  # before the suspension
    await _suspend(runtime, world.national)
    page = await client.get(path)
    assert page.status_code == 200
    assert _refusal(SUSPENDED) in page.text
    assert FORM not in page.text
    assert "Only a librarian of a partner may upload" not in page.text
    posted = await _post(client, csrf, work=str(work.id), owner=world.national)
    assert posted.status_code == 403
    assert f'<p id="problem">{SUSPENDED}</p>' in posted.text
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []
