"""The local backend's signed URLs, served by ``exchange.pages.storage``, and its disk layout."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from exchange.pages.storage import routes
from exchange.storage.errors import SignatureInvalid, UploadExpired
from exchange.storage.local import LocalStorage
from exchange.storage.signed_urls import UrlSigner, load_or_create_key
from tests.storage.conftest import SECRET, FakeClock

MINUTE = timedelta(minutes=1)
DATA = os.urandom(100_000)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
async def http(local_storage: LocalStorage) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=Starlette(routes=routes(local_storage)))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def tamper(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return f"{parts.path}?{urlencode(query)}"


async def test_upload_after_expiry_is_refused_with_403(
    local_storage: LocalStorage, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    ticket = await local_storage.presign_upload("a/b", size=len(DATA), sha256=SHA, expires=MINUTE)
    clock.advance(MINUTE)

    response = await http.put(ticket.url, content=DATA)

    assert response.status_code == 403
    assert response.json()["error"] == "url_expired"
    assert await local_storage.stat("a/b") is None


async def test_download_after_expiry_is_refused_with_403(
    local_storage: LocalStorage, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    ticket = await local_storage.presign_upload("a/b", size=len(DATA), sha256=SHA, expires=MINUTE)
    assert (await http.put(ticket.url, content=DATA)).status_code == 200
    url = await local_storage.presign_download("a/b", expires=MINUTE)
    clock.advance(MINUTE - timedelta(seconds=1))
    assert (await http.get(url)).status_code == 200

    clock.advance(timedelta(seconds=1))

    assert (await http.get(url)).status_code == 403


@pytest.mark.parametrize(
    "changes",
    [
        {"sig": "0" * 64},
        {"size": "99999"},
        {"sha256": "0" * 64},
        {"expires": "9999999999"},
        {"extra": "1"},
    ],
    ids=["signature", "size", "sha256", "expiry", "added-parameter"],
)
async def test_tampered_upload_url_is_refused_with_403(
    local_storage: LocalStorage, http: httpx.AsyncClient, changes: dict[str, str]
) -> None:
    ticket = await local_storage.presign_upload("a/b", size=len(DATA), sha256=SHA, expires=MINUTE)

    response = await http.put(tamper(ticket.url, **changes), content=DATA)

    assert response.status_code == 403
    assert response.json()["error"] == "signature_invalid"
    assert await local_storage.stat("a/b") is None


async def test_url_signed_for_one_key_does_not_work_for_another(
    local_storage: LocalStorage, http: httpx.AsyncClient
) -> None:
    ticket = await local_storage.presign_upload("a/b", size=len(DATA), sha256=SHA, expires=MINUTE)
    other = ticket.url.replace("/storage/a/b?", "/storage/a/c?")

    assert (await http.put(other, content=DATA)).status_code == 403
    assert (await http.get(tamper(ticket.url))).status_code == 403  # PUT URL used for GET


async def test_body_that_differs_from_the_signed_hash_is_refused_with_422(
    local_storage: LocalStorage, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ticket = await local_storage.presign_upload("a/b", size=len(DATA), sha256=SHA, expires=MINUTE)
    forged = bytes([DATA[0] ^ 1]) + DATA[1:]

    response = await http.put(ticket.url, content=forged)

    assert response.status_code == 422
    assert response.json()["error"] == "integrity_mismatch"
    assert await local_storage.stat("a/b") is None
    assert [p.name for p in (tmp_path / "objects" / "a").iterdir()] == []


async def test_body_of_another_length_is_refused_with_400(
    local_storage: LocalStorage, http: httpx.AsyncClient
) -> None:
    ticket = await local_storage.presign_upload("a/b", size=len(DATA), sha256=SHA, expires=MINUTE)

    response = await http.put(ticket.url, content=DATA + b"!")

    assert response.status_code == 400
    assert await local_storage.stat("a/b") is None


@pytest.mark.parametrize("path", ["/storage/a/..%2F..%2Fetc/passwd", "/storage/.multipart/x"])
async def test_keys_that_escape_the_root_are_refused_with_400(
    http: httpx.AsyncClient, path: str
) -> None:
    assert (await http.get(path)).status_code == 400
    assert (await http.put(path, content=b"x")).status_code == 400


async def test_missing_object_is_404(local_storage: LocalStorage, http: httpx.AsyncClient) -> None:
    url = await local_storage.presign_download("a/missing", expires=MINUTE)
    assert (await http.get(url)).status_code == 404


async def test_part_url_of_another_upload_is_refused(
    local_storage: LocalStorage, http: httpx.AsyncClient
) -> None:
    upload_id = await local_storage.start_multipart("a/b")
    url = await local_storage.presign_part("a/b", upload_id, 1, expires=MINUTE)

    assert (await http.put(tamper(url, uploadId="f" * 32), content=b"x")).status_code == 403
    assert (await http.put(tamper(url, partNumber="2"), content=b"x")).status_code == 403


def test_signer_tells_expired_from_forged() -> None:
    clock = FakeClock()
    signer = UrlSigner(SECRET, now=clock)
    query = signer.sign("GET", "k", {"filename": "a\nb&c=d"}, MINUTE)
    assert signer.verify("GET", "k", query) == {k: v for k, v in query.items() if k != "sig"}
    with pytest.raises(SignatureInvalid):
        signer.verify("PUT", "k", query)
    with pytest.raises(SignatureInvalid):
        UrlSigner(b"x" * 32, now=clock).verify("GET", "k", query)
    clock.advance(MINUTE)
    with pytest.raises(UploadExpired):
        signer.verify("GET", "k", query)


def test_signing_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "url-signing.key"

    first = load_or_create_key(path)

    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["url-signing.key"]


async def test_interrupted_upload_leaves_no_temporary_file(
    local_storage: LocalStorage, tmp_path: Path
) -> None:
    class Interrupted(Exception):
        pass

    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * 10
        raise Interrupted

    with pytest.raises(Interrupted):
        await local_storage.put("a/b", broken(), expected_size=20, expected_sha256=SHA)

    assert list((tmp_path / "objects" / "a").iterdir()) == []


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _refuse(code: int) -> Any:
    def call(*_args: Any) -> int:
        raise OSError(code, os.strerror(code))

    return call


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param(("copy_file_range",), id="sendfile"),
        pytest.param(("copy_file_range", "sendfile"), id="read-write"),
    ],
)
async def test_copy_to_falls_back_when_the_kernel_cannot_copy_in_place(
    local_storage: LocalStorage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    refused: tuple[str, ...],
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 1)
    await local_storage.put(
        "objects/fallback",
        _chunks(data),
        expected_size=len(data),
        expected_sha256=hashlib.sha256(data).hexdigest(),
    )
    for name in refused:
        monkeypatch.setattr(
            os, name, _refuse(errno.EXDEV if name == "copy_file_range" else errno.EINVAL)
        )

    copied = await local_storage.copy_to("objects/fallback", tmp_path / "out.bin")

    assert copied.size == len(data)
    assert (tmp_path / "out.bin").read_bytes() == data


async def test_copy_to_passes_on_a_real_io_error(
    local_storage: LocalStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await local_storage.put(
        "objects/failing",
        _chunks(b"x"),
        expected_size=1,
        expected_sha256=hashlib.sha256(b"x").hexdigest(),
    )
    monkeypatch.setattr(os, "copy_file_range", _refuse(errno.EIO))
    with pytest.raises(OSError, match="Input/output error"):
        await local_storage.copy_to("objects/failing", tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()
