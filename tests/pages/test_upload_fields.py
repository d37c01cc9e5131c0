"""What the upload steps refuse, by the field it concerns, with nothing stored: a declared
size that is not a whole ASCII number ("²": once a 500 on the form and a 404 on the
script's step) and a parts list that is not the JSON shape the script sends (a number
1e999 overflowed ``int``, 20,000 nested lists overflowed the parser's stack: both 500)."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from exchange.runtime import Runtime
from tests.pages.people import sign_in
from tests.pages.upload_scene import SENDER, UploadScene, form_fields, objects_held, stored_keys

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 64
PARTS_UNREADABLE = "The list of uploaded parts could not be read."


pytestmark = pytest.mark.signing_keys  # dispatches sign their manifests


async def test_the_form_refuses_a_size_in_superscript(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    posted = await client.post(
        "/uploads/file",
        data=form_fields(csrf, scene, size="²"),
        files={"file": ("x.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 400, posted.text
    assert "Enter a whole number." in posted.text
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []


async def test_the_script_step_refuses_a_size_in_superscript(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    fields = form_fields(
        csrf,
        scene,
        filename="x.pdf",
        size="²",
        sha256=hashlib.sha256(DATA).hexdigest(),
        media_type="application/pdf",
    )
    answer = await client.post("/uploads/start", data=fields)
    assert answer.status_code == 400, answer.text
    assert answer.json()["fields"] == {"size": "Enter a whole number."}
    assert await objects_held(runtime) == []


@pytest.mark.parametrize(
    "parts",
    [
        '[{"number": 1e999, "etag": "x"}]',
        "[" * 5_000 + "]" * 5_000,  # past the parser's stack, within the form's 64 KiB
        '[{"number": NaN, "etag": "x"}]',
        '[{"number": 1.5, "etag": "x"}]',
        '[{"number": true, "etag": "x"}]',
        '[{"number": 0, "etag": "x"}]',
        '[{"number": 10001, "etag": "x"}]',
        '[{"number": 1}]',
        '[{"number": 1, "etag": ""}]',
        '{"number": 1, "etag": "x"}',
        "[1]",
        "not json",
    ],
)
async def test_a_parts_list_of_the_wrong_shape_is_a_400_and_nothing_completes(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene, parts: str
) -> None:
    csrf = await sign_in(client, SENDER)
    fields = form_fields(
        csrf,
        scene,
        filename="x.pdf",
        size=str(len(DATA)),
        sha256=hashlib.sha256(DATA).hexdigest(),
        media_type="application/pdf",
    )
    started = (await client.post("/uploads/start", data=fields)).json()
    done = await client.post(started["complete"], data={"csrf": csrf, "parts": parts})
    assert done.status_code == 400, done.text
    assert done.json() == {
        "error": PARTS_UNREADABLE,
        "fields": {"parts": PARTS_UNREADABLE},
    }
    assert [row[3] for row in await objects_held(runtime)] == ["pending"]
    # the same object still completes with a list of the right shape
    ticket = started["ticket"]
    sent = await client.put(ticket["url"], content=DATA, headers=ticket["headers"])
    assert sent.status_code == 200, sent.text
    finished = await client.post(started["complete"], data={"csrf": csrf, "parts": json.dumps([])})
    assert finished.json()["state"] == "available"


async def test_twenty_thousand_nested_lists_are_refused_as_too_large_not_a_fault(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    csrf = await sign_in(client, SENDER)
    fields = form_fields(
        csrf,
        scene,
        filename="x.pdf",
        size=str(len(DATA)),
        sha256=hashlib.sha256(DATA).hexdigest(),
        media_type="application/pdf",
    )
    started = (await client.post("/uploads/start", data=fields)).json()
    nested = "[" * 20_000 + "]" * 20_000  # 120 KB once percent-encoded
    done = await client.post(started["complete"], data={"csrf": csrf, "parts": nested})
    assert done.status_code == 413
    assert [row[3] for row in await objects_held(runtime)] == ["pending"]


async def test_a_file_name_that_is_not_utf8_is_refused_not_kept_with_replacements(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene
) -> None:
    """The upload form's file name is read as strictly as its fields: bytes that are not
    UTF-8 are refused, never stored as U+FFFD."""
    csrf = await sign_in(client, SENDER)
    boundary = "b0undary"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in form_fields(csrf, scene, size=str(len(DATA))).items()
    ).encode()
    file_part = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="caf\xe9.pdf"\r\n'
        + b"Content-Type: application/pdf\r\n\r\n"
        + DATA
        + f"\r\n--{boundary}--\r\n".encode()
    )
    posted = await client.post(
        "/uploads/file",
        content=head + file_part,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert posted.status_code == 400, posted.text
    assert "The form is not valid UTF-8 text." in posted.text
    assert await objects_held(runtime) == []
    assert await stored_keys(runtime) == []


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "the file has not arrived in storage: send it again, then complete the upload"),
        ("ko", "파일이 저장소에 도착하지 않았습니다: 다시 보낸 뒤 업로드를 완료하십시오"),
    ],
)
async def test_completing_before_the_file_arrived_says_so_without_the_storage_key(
    client: httpx.AsyncClient, runtime: Runtime, scene: UploadScene, lang: str, said: str
) -> None:
    """The script's "complete" before its PUT (or after a PUT that failed) was answered
    "no stored object 'objects/<uuid>'": a storage key, in English on a Korean page."""
    csrf = await sign_in(client, SENDER)
    client.cookies.set("lang", lang)
    fields = form_fields(
        csrf,
        scene,
        filename="x.pdf",
        size=str(len(DATA)),
        sha256=hashlib.sha256(DATA).hexdigest(),
        media_type="application/pdf",
    )
    started = (await client.post("/uploads/start", data=fields)).json()
    done = await client.post(started["complete"], data={"csrf": csrf, "parts": "[]"})
    assert done.status_code == 400, done.text
    assert done.json() == {"error": said}
    assert started["object"] not in done.text
    assert [row[3] for row in await objects_held(runtime)] == ["pending"]
    assert await stored_keys(runtime) == []
