"""Uploading a shipment's file through the pages, on local disk: the plain form without
JavaScript (streamed through the instance), and the JSON steps the page's script uses —
with what a hostile or mistaken client sends refused with a reason and nothing stored."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange.runtime import Runtime
from tests.pages.people import sign_in
from tests.pages.upload_scene import (
    FOREIGN,
    RESEARCHER,
    SENDER,
    UploadScene,
    form_fields,
    objects_held,
    stored_keys,
)

MiB = 1024 * 1024
DATA = b"%PDF-1.4\n" + bytes(range(256)) * 1200  # 307,209 bytes


pytestmark = pytest.mark.signing_keys  # dispatches sign their manifests


def _spooled(runtime: Runtime) -> list[Path]:
    spool = runtime.settings.data_dir / "spool"
    return sorted(spool.iterdir()) if spool.is_dir() else []


async def test_the_form_without_javascript_streams_the_file_and_verifies_it(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    page = await client.get(scene.page)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'action="/uploads/file"' in page.text
    assert '<progress id="upload-progress"' in page.text
    assert '<script src="/static/upload.js" defer></script>' in page.text
    # the page's own policy: nothing beyond the instance on local disk
    assert "connect-src" not in page.headers["content-security-policy"]

    posted = await client.post(
        "/uploads/file",
        data=form_fields(csrf, scene),
        files={"file": ("chapter one.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 303, posted.text
    result = await client.get(posted.headers["location"])
    assert 'data-verified="yes"' in result.text
    digest = hashlib.sha256(DATA).hexdigest()
    assert digest in result.text
    assert await objects_held(runtime) == [
        ("chapter one.pdf", len(DATA), digest, "available", None)
    ]
    [key] = await stored_keys(runtime)
    stored = await runtime.storage.digest(key)
    assert (stored.size, stored.sha256) == (len(DATA), digest)
    assert _spooled(runtime) == []  # the spool file is gone
    listing = await client.get(scene.page)
    assert "chapter one.pdf" in listing.text


NOT_OWNER = "not allowed to upload a file: only librarians of the owning partner or admins may"
REFUSALS = [
    (RESEARCHER, False, NOT_OWNER),
    (FOREIGN, False, NOT_OWNER),
    # the receiver's librarian naming its own partner as the owner: it may not pack this
    (
        FOREIGN,
        True,
        "not allowed to pack this shipment: only librarians of the sending partner, coordinators"
        " or admins may",
    ),
]


@pytest.mark.parametrize(("who", "own", "reason"), REFUSALS)
async def test_the_form_refuses_who_may_not_upload_and_stores_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    scene: UploadScene,
    who: str,
    own: bool,
    reason: str,
) -> None:
    csrf = await sign_in(client, who)
    owner = {"owner": str(scene.receiver)} if own else {}
    posted = await client.post(
        "/uploads/file",
        data={**form_fields(csrf, scene), **owner},
        files={"file": ("x.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 403, posted.text
    assert f'<p id="problem">{reason}</p>' in posted.text
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []
    assert _spooled(runtime) == []


async def test_the_form_without_its_token_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    await sign_in(client, SENDER)
    posted = await client.post(
        "/uploads/file",
        data=form_fields("forged", scene),
        files={"file": ("x.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 403
    assert "The form expired" in posted.text
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []


async def test_an_empty_file_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    posted = await client.post(
        "/uploads/file",
        data=form_fields(csrf, scene),
        files={"file": ("x.pdf", b"", "application/pdf")},
    )
    assert posted.status_code == 400
    assert '<p class="error" id="file-error">choose a file that is not empty</p>' in posted.text
    assert await objects_held(runtime) == []
    assert _spooled(runtime) == []


async def test_a_refused_field_shows_beside_it_with_the_values_kept(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    posted = await client.post(
        "/uploads/file",
        data=form_fields(csrf, scene, licence="Whatever-1.0", required_tag="staff-only"),
        files={"file": ("x.pdf", DATA, "application/pdf")},
        headers={"Accept-Language": "ko"},
    )
    assert posted.status_code == 400
    assert "저장되지 않았습니다. 아래 표시된 칸을 고치십시오." in posted.text
    assert (
        'id="licence-error">일반적인 SPDX 식별자나 LicenseRef-&lt;이름&gt;을 쓰십시오</p>'
        in posted.text
    )
    assert 'name="licence" value="Whatever-1.0"' in posted.text
    assert 'name="required_tag" value="staff-only"' in posted.text
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []
    assert _spooled(runtime) == []


async def test_the_page_in_korean(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    await sign_in(client, SENDER)
    page = await client.get(scene.page, headers={"Accept-Language": "ko"})
    assert "<h1>파일 올리기</h1>" in page.text
    assert 'data-sending="저장소로 보내는 중…"' in page.text


# -- the steps of the page's script ----------------------------------------------------------


async def _start(
    client: httpx.AsyncClient, csrf: str, scene: UploadScene, data: bytes, **extra: str
) -> httpx.Response:
    fields = form_fields(
        csrf,
        scene,
        filename="lecture.pdf",
        size=str(len(data)),
        sha256=hashlib.sha256(data).hexdigest(),
        media_type="application/pdf",
    )
    return await client.post("/uploads/start", data={**fields, **extra})


async def _send_parts(
    client: httpx.AsyncClient, started: dict[str, Any], data: bytes
) -> list[dict[str, Any]]:
    part_size = int(started["partSize"])
    parts: list[dict[str, Any]] = []
    for part in started["parts"]:
        start = (part["number"] - 1) * part_size
        answer = await client.put(part["url"], content=data[start : start + part_size])
        assert answer.status_code == 200, answer.text
        parts.append({"number": part["number"], "etag": answer.headers["etag"]})
    return parts


BIG = b"%PDF-1.4\n" + bytes(range(256)) * (17 * 4096)  # 17 MiB and 9 bytes: three parts


async def test_the_script_steps_upload_in_parts_and_verify(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    started = (await _start(client, csrf, scene, BIG)).json()
    assert started["partSize"] == 8 * MiB
    assert [p["number"] for p in started["parts"]] == [1, 2, 3]
    parts = await _send_parts(client, started, BIG)
    done = await client.post(started["complete"], data={"csrf": csrf, "parts": json.dumps(parts)})
    assert done.status_code == 200
    assert done.json() == {
        "state": "available",
        "message": "The stored file was verified: its size and SHA-256 are the declared ones.",
        "location": f"/uploads/{started['object']}",
    }
    [(_, size, sha256, state, _)] = await objects_held(runtime)
    assert (size, sha256, state) == (len(BIG), hashlib.sha256(BIG).hexdigest(), "available")


async def test_a_wrong_size_is_rejected_and_the_bytes_deleted(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    started = (await _start(client, csrf, scene, BIG)).json()
    parts = await _send_parts(client, started, BIG[:-1])  # one byte short
    done = await client.post(started["complete"], data={"csrf": csrf, "parts": json.dumps(parts)})
    assert done.json()["state"] == "rejected"
    reason = f"size differs: declared {len(BIG)} bytes, stored {len(BIG) - 1}"
    assert done.json()["message"] == f"The file was refused and nothing was kept: {reason}"
    assert [row[3:] for row in await objects_held(runtime)] == [("rejected", reason)]
    assert await stored_keys(runtime) == []
    result = await client.get(done.json()["location"])
    assert 'data-verified="no"' in result.text


async def test_a_tampered_part_is_rejected_and_the_bytes_deleted(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    started = (await _start(client, csrf, scene, BIG)).json()
    tampered = BIG[: 9 * MiB] + b"X" + BIG[9 * MiB + 1 :]  # same size, one byte of part 2
    parts = await _send_parts(client, started, tampered)
    done = await client.post(started["complete"], data={"csrf": csrf, "parts": json.dumps(parts)})
    reason = "sha256 of the stored bytes differs from the declared one"
    assert done.json()["state"] == "rejected"
    assert [row[3:] for row in await objects_held(runtime)] == [("rejected", reason)]
    assert await stored_keys(runtime) == []


async def test_a_tampered_etag_is_refused_and_nothing_is_made_available(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    started = (await _start(client, csrf, scene, BIG)).json()
    parts = await _send_parts(client, started, BIG)
    parts[1]["etag"] = '"' + "0" * 64 + '"'
    done = await client.post(started["complete"], data={"csrf": csrf, "parts": json.dumps(parts)})
    assert done.status_code == 400
    assert done.json() == {"error": "part 2 with that ETag was not uploaded"}
    assert [row[3] for row in await objects_held(runtime)] == ["pending"]
    assert await stored_keys(runtime) == []


@pytest.mark.parametrize(("who", "own", "reason"), REFUSALS)
async def test_the_script_steps_refuse_who_may_not_upload(
    client: httpx.AsyncClient,
    runtime: Runtime,
    scene: UploadScene,
    who: str,
    own: bool,
    reason: str,
) -> None:
    csrf = await sign_in(client, who)
    owner = {"owner": str(scene.receiver)} if own else {}
    answer = await _start(client, csrf, scene, DATA, **owner)
    assert answer.status_code == 403, answer.text
    assert answer.json() == {"error": reason}
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []


async def test_the_script_steps_need_the_token(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    await sign_in(client, SENDER)
    answer = await _start(client, "forged", scene, DATA)
    assert answer.status_code == 403
    assert await objects_held(runtime) == []


async def test_only_the_uploader_side_may_complete_and_only_with_the_token(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    started = (await _start(client, csrf, scene, DATA)).json()
    ticket = started["ticket"]
    sent = await client.put(ticket["url"], content=DATA, headers=ticket["headers"])
    assert sent.status_code == 200, sent.text
    forged = await client.post(started["complete"], data={"csrf": "forged", "parts": "[]"})
    assert forged.status_code == 403

    csrf = await sign_in(client, FOREIGN)
    foreign = await client.post(started["complete"], data={"csrf": csrf, "parts": "[]"})
    assert foreign.status_code == 403
    assert foreign.json() == {"error": NOT_OWNER}
    assert [row[3] for row in await objects_held(runtime)] == ["pending"]
    result = await client.get(f"/uploads/{started['object']}")
    assert result.status_code == 404  # not theirs to see


async def test_giving_up_discards_the_parts_sent(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    started = (await _start(client, csrf, scene, BIG)).json()
    first = started["parts"][0]
    sent = await client.put(first["url"], content=BIG[: 8 * MiB])
    assert sent.status_code == 200
    storage_root = runtime.settings.effective_storage_dir
    assert len([p for p in storage_root.rglob("*.part") if p.is_file()]) == 1
    object_id = started["object"]
    gave_up = await client.post(f"/uploads/{object_id}/abort", data={"csrf": csrf})
    assert gave_up.json() == {"state": "rejected"}
    assert [row[3:] for row in await objects_held(runtime)] == [
        ("rejected", "aborted by the uploader")
    ]
    assert [p for p in storage_root.rglob("*.part") if p.is_file()] == []
    assert await stored_keys(runtime) == []


# -- the owner the form names ----------------------------------------------------------------

NOT_AN_ID = "This is not the id of a partner: choose one from the list."


@pytest.mark.parametrize("owner", ["junk", "' OR 1=1", "00000000-0000-0000-0000-00000000000g"])
async def test_an_owner_that_is_no_partners_id_is_refused_never_the_uploaders_own(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene, owner: str
) -> None:
    csrf = await sign_in(client, SENDER)
    posted = await client.post(
        "/uploads/file",
        data=form_fields(csrf, scene, owner=owner),
        files={"file": ("x.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 400, posted.text
    assert f'<p class="error" id="owner-error">{NOT_AN_ID}</p>' in posted.text
    started = await _start(client, csrf, scene, DATA, owner=owner)
    assert started.status_code == 400
    assert started.json() == {"error": NOT_AN_ID, "fields": {"ownerPartnerId": NOT_AN_ID}}
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []
    assert _spooled(runtime) == []


async def test_an_owner_that_names_no_partner_is_not_found(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    nobody = "0190a000-0000-7000-8000-000000000000"
    posted = await client.post(
        "/uploads/file",
        data=form_fields(csrf, scene, owner=nobody),
        files={"file": ("x.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 404, posted.text
    assert '<p id="problem">partner not found</p>' in posted.text
    started = await _start(client, csrf, scene, DATA, owner=nobody)
    assert started.status_code == 404
    assert started.json() == {"error": "partner not found"}
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []
