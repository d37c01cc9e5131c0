"""The contract every storage backend keeps, run against local disk and two independent S3
implementations (moto and s3rver). Where a server differs (s3rver checks no ETags and
cannot abort or list uploads, neither checks presigned signatures), the test names what
each does, so a README claim about a server is a tested one."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import anyio
import pytest

from exchange.storage.base import MIN_PART_SIZE, Copied, Digest, Part
from exchange.storage.errors import (
    IntegrityMismatch,
    InvalidKey,
    ObjectMissing,
    PartsRejected,
    StorageUnavailable,
    UploadMissing,
)
from tests.servers.s3rver import open_upload_ids
from tests.storage.conftest import Backend, FakeClock

MINUTE = timedelta(minutes=1)


async def stream(data: bytes, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def read_all(backend: Backend, key: str) -> bytes:
    return b"".join([chunk async for chunk in backend.storage.open(key)])


async def keys(backend: Backend, prefix: str | None = None) -> list[str]:
    return [
        k async for k in backend.storage.list_keys(backend.prefix if prefix is None else prefix)
    ]


async def open_uploads(backend: Backend) -> list[str]:
    """The backend's unfinished uploads under the test's prefix (s3rver cannot list them:
    its data directory is read instead)."""
    if backend.name == "s3rver":
        assert backend.server is not None
        return open_upload_ids(backend.server, backend.prefix)
    uploads = await backend.storage.list_multipart_uploads()
    return [u.upload_id for u in uploads if u.key.startswith(backend.prefix)]


async def test_put_then_open_and_digest_return_the_same_bytes(backend: Backend) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    key = backend.key("round-trip")

    stored = await backend.storage.put(
        key, stream(data), expected_size=len(data), expected_sha256=sha256(data)
    )

    assert (stored.key, stored.size, stored.sha256) == (key, len(data), sha256(data))
    assert await read_all(backend, key) == data
    assert await backend.storage.digest(key) == Digest(len(data), sha256(data))
    info = await backend.storage.stat(key)
    assert info is not None
    assert (info.key, info.size) == (key, len(data))


async def test_empty_object_round_trips(backend: Backend) -> None:
    key = backend.key("empty")
    await backend.storage.put(key, stream(b""), expected_size=0, expected_sha256=sha256(b""))
    assert await backend.storage.digest(key) == Digest(0, sha256(b""))


@pytest.mark.parametrize(
    ("declared_size", "declared_sha256"),
    [
        pytest.param(1000, sha256(b"other"), id="wrong-sha256"),
        pytest.param(999, None, id="too-many-bytes"),
        pytest.param(1001, None, id="too-few-bytes"),
    ],
)
async def test_put_that_differs_from_the_declaration_fails_and_leaves_nothing(
    backend: Backend, declared_size: int, declared_sha256: str | None
) -> None:
    data = os.urandom(1000)
    key = backend.key("mismatch")

    with pytest.raises(IntegrityMismatch) as raised:
        await backend.storage.put(
            key,
            stream(data, 100),
            expected_size=declared_size,
            expected_sha256=declared_sha256 or sha256(data),
        )

    assert raised.value.key == key
    assert await backend.storage.stat(key) is None
    assert await keys(backend) == []


async def test_large_put_that_differs_leaves_no_object_and_no_upload(backend: Backend) -> None:
    data = os.urandom(17 * 1024 * 1024)  # more than one part of S3Storage.put
    key = backend.key("large-mismatch")

    with pytest.raises(IntegrityMismatch):
        await backend.storage.put(
            key, stream(data, 1024 * 1024), expected_size=len(data), expected_sha256=sha256(b"x")
        )

    assert await backend.storage.stat(key) is None
    assert await keys(backend) == []
    assert await open_uploads(backend) == []


async def test_large_put_round_trips(backend: Backend) -> None:
    data = os.urandom(17 * 1024 * 1024 + 5)
    key = backend.key("large")
    await backend.storage.put(
        key, stream(data, 1024 * 1024), expected_size=len(data), expected_sha256=sha256(data)
    )
    assert await backend.storage.digest(key) == Digest(len(data), sha256(data))
    assert await open_uploads(backend) == []


async def test_presigned_upload_then_download_over_http(backend: Backend) -> None:
    data = os.urandom(2 * 1024 * 1024 + 3)
    key = backend.key("presigned")
    ticket = await backend.storage.presign_upload(
        key, size=len(data), sha256=sha256(data), expires=MINUTE
    )

    uploaded = await backend.http.request(
        ticket.method, ticket.url, content=stream(data), headers=dict(ticket.headers)
    )
    assert uploaded.status_code == 200, uploaded.text
    assert await backend.storage.digest(key) == Digest(len(data), sha256(data))

    url = await backend.storage.presign_download(key, expires=MINUTE, filename="Lecture 1 — ök.pdf")
    downloaded = await backend.http.get(url)
    assert downloaded.status_code == 200
    assert downloaded.content == data
    assert downloaded.headers["content-disposition"] == (
        'attachment; filename="Lecture 1 _ _k.pdf"; '
        "filename*=UTF-8''Lecture%201%20%E2%80%94%20%C3%B6k.pdf"
    )


async def test_multipart_upload_of_three_parts_over_http(backend: Backend) -> None:
    parts = [os.urandom(MIN_PART_SIZE) for _ in range(2)] + [os.urandom(MIN_PART_SIZE)]
    whole = b"".join(parts)
    key = backend.key("multipart")
    upload_id = await backend.storage.start_multipart(key)
    assert upload_id in await open_uploads(backend)

    uploaded: list[Part] = []
    for number, data in reversed(list(enumerate(parts, start=1))):  # any order will do
        url = await backend.storage.presign_part(key, upload_id, number, expires=MINUTE)
        response = await backend.http.put(url, content=stream(data))
        assert response.status_code == 200, response.text
        uploaded.append(Part(number, response.headers["etag"]))
    info = await backend.storage.complete_multipart(key, upload_id, uploaded)

    assert (info.key, info.size) == (key, len(whole))
    assert await backend.storage.digest(key) == Digest(len(whole), sha256(whole))
    assert upload_id not in await open_uploads(backend)


async def test_complete_with_an_unknown_etag_is_rejected_where_the_server_checks(
    backend: Backend,
) -> None:
    key = backend.key("bad-etag")
    upload_id = await backend.storage.start_multipart(key)
    url = await backend.storage.presign_part(key, upload_id, 1, expires=MINUTE)
    assert (await backend.http.put(url, content=b"part")).status_code == 200
    wrong = [Part(1, f'"{"0" * 64}"')]

    if backend.name == "s3rver":
        # s3rver joins the parts by number and never compares ETags: the bytes joined are
        # the ones uploaded, and the service's digest of them is what decides
        await backend.storage.complete_multipart(key, upload_id, wrong)
        assert await read_all(backend, key) == b"part"
        assert await open_uploads(backend) == []
        return
    with pytest.raises(PartsRejected):
        await backend.storage.complete_multipart(key, upload_id, wrong)

    assert await backend.storage.stat(key) is None
    await backend.storage.abort_multipart(key, upload_id)
    assert await open_uploads(backend) == []


async def test_abort_discards_the_upload_and_its_parts(backend: Backend) -> None:
    key = backend.key("aborted")
    upload_id = await backend.storage.start_multipart(key)
    url = await backend.storage.presign_part(key, upload_id, 1, expires=MINUTE)
    response = await backend.http.put(url, content=os.urandom(MIN_PART_SIZE))
    assert response.status_code == 200

    await backend.storage.abort_multipart(key, upload_id)

    assert await open_uploads(backend) == []
    # AWS answers NoSuchUpload; moto and s3rver both fail with a 500 (a KeyError, a
    # missing file), which reads as the server failing
    gone = UploadMissing if backend.name == "local" else StorageUnavailable
    with pytest.raises(gone):
        await backend.storage.complete_multipart(
            key, upload_id, [Part(1, response.headers["etag"])]
        )
    assert await backend.storage.stat(key) is None
    assert await keys(backend) == []


async def test_delete_removes_the_object_and_is_idempotent(backend: Backend) -> None:
    key = backend.key("deleted")
    await backend.storage.put(key, stream(b"abc"), expected_size=3, expected_sha256=sha256(b"abc"))

    await backend.storage.delete(key)
    await backend.storage.delete(key)

    assert await backend.storage.stat(key) is None
    with pytest.raises(ObjectMissing):
        await backend.storage.digest(key)
    with pytest.raises(ObjectMissing):
        await read_all(backend, key)


async def test_list_keys_yields_every_key_under_a_prefix(backend: Backend) -> None:
    names = ["objects/a", "objects/b", "other/c"]
    for name in names:
        await backend.storage.put(
            backend.key(name), stream(b"x"), expected_size=1, expected_sha256=sha256(b"x")
        )

    assert sorted(await keys(backend)) == [backend.key(n) for n in names]
    assert sorted(await keys(backend, backend.key("objects/"))) == [
        backend.key("objects/a"),
        backend.key("objects/b"),
    ]


@pytest.mark.parametrize(
    "key", ["../escape", "a/../../escape", "/absolute", "a//b", ".hidden", "a/.multipart", ""]
)
async def test_keys_outside_the_grammar_are_rejected(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.storage.put(key, stream(b"x"), expected_size=1, expected_sha256=sha256(b"x"))
    with pytest.raises(InvalidKey):
        await backend.storage.presign_download(key, expires=MINUTE)
    with pytest.raises(InvalidKey):
        await backend.storage.digest(key)


@pytest.mark.parametrize("digest", [False, True], ids=["copy", "copy-and-hash"])
async def test_copy_to_writes_the_stored_bytes_into_a_local_file(
    backend: Backend, tmp_path: Path, digest: bool
) -> None:
    data = os.urandom(9 * 1024 * 1024 + 5)  # more than one block of every copy loop
    key = backend.key("copied")
    await backend.storage.put(
        key, stream(data), expected_size=len(data), expected_sha256=sha256(data)
    )

    copied = await backend.storage.copy_to(key, tmp_path / "copy.bin", digest=digest)

    assert (tmp_path / "copy.bin").read_bytes() == data
    assert copied == Copied(len(data), sha256(data) if digest else None)
    empty = backend.key("empty-copy")
    await backend.storage.put(empty, stream(b""), expected_size=0, expected_sha256=sha256(b""))
    assert await backend.storage.copy_to(empty, tmp_path / "empty", digest=digest) == Copied(
        0, sha256(b"") if digest else None
    )
    assert (tmp_path / "empty").read_bytes() == b""


async def test_copy_to_of_a_missing_object_fails_and_leaves_no_file(
    backend: Backend, tmp_path: Path
) -> None:
    with pytest.raises(ObjectMissing):
        await backend.storage.copy_to(backend.key("never-stored"), tmp_path / "copy.bin")
    assert not (tmp_path / "copy.bin").exists()


async def test_objects_land_with_their_media_type_and_are_served_with_it(
    backend: Backend,
) -> None:
    pdf = b"%PDF-1.7\n" + os.urandom(100)
    key = backend.key("typed")
    await backend.storage.put(
        key, stream(pdf), expected_size=len(pdf), expected_sha256=sha256(pdf), media_type="a/b"
    )
    kept = backend.name != "local"  # local disk keeps no metadata: its URLs name the type

    info = await backend.storage.stat(key)
    assert info is not None
    assert info.media_type == ("a/b" if kept else None)
    assert await backend.storage.set_media_type(key, "application/pdf") is kept
    info = await backend.storage.stat(key)
    assert info is not None
    assert info.media_type == ("application/pdf" if kept else None)
    assert await backend.storage.digest(key) == Digest(len(pdf), sha256(pdf))

    url = await backend.storage.presign_download(key, expires=MINUTE, media_type="application/pdf")
    downloaded = await backend.http.get(url)
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.content == pdf


async def test_presigned_upload_lands_with_the_signed_media_type(backend: Backend) -> None:
    data = b"%PDF-1.7\n" + os.urandom(64)
    key = backend.key("typed-upload")
    ticket = await backend.storage.presign_upload(
        key, size=len(data), sha256=sha256(data), expires=MINUTE, media_type="application/pdf"
    )

    response = await backend.http.put(ticket.url, content=data, headers=dict(ticket.headers))

    assert response.status_code == 200, response.text
    info = await backend.storage.stat(key)
    assert info is not None
    assert info.media_type == (None if backend.name == "local" else "application/pdf")
    assert info.checksum_sha256 == (sha256(data) if backend.name == "moto" else None)
    if backend.name != "local":
        signed = parse_qs(urlsplit(ticket.url).query)["X-Amz-SignedHeaders"][0].split(";")
        assert {"content-length", "content-type", "x-amz-checksum-sha256"} <= set(signed)
        assert ticket.headers["Content-Type"] == "application/pdf"


async def test_sha256_lands_as_the_s3_checksum_where_the_server_keeps_one(
    backend: Backend,
) -> None:
    data = os.urandom(4096)
    key = backend.key("checksummed")
    await backend.storage.put(
        key, stream(data), expected_size=len(data), expected_sha256=sha256(data)
    )

    info = await backend.storage.stat(key)
    assert info is not None
    # moto keeps x-amz-checksum-sha256; s3rver ignores the header; local disk has none
    assert info.checksum_sha256 == (sha256(data) if backend.name == "moto" else None)


async def test_multipart_upload_lands_with_the_media_type_it_was_started_with(
    backend: Backend,
) -> None:
    key = backend.key("typed-multipart")
    upload_id = await backend.storage.start_multipart(key, "video/mp4")
    url = await backend.storage.presign_part(key, upload_id, 1, expires=MINUTE)
    response = await backend.http.put(url, content=b"\x00\x00\x00\x18ftypmp42")
    assert response.status_code == 200

    await backend.storage.complete_multipart(key, upload_id, [Part(1, response.headers["etag"])])

    info = await backend.storage.stat(key)
    assert info is not None
    assert info.media_type == (None if backend.name == "local" else "video/mp4")
    assert info.checksum_sha256 is None  # a multipart object claims no full-object SHA-256


async def test_expired_download_url_is_refused_where_the_server_checks_expiry(
    backend: Backend, clock: FakeClock
) -> None:
    key = backend.key("expiring")
    await backend.storage.put(key, stream(b"abc"), expected_size=3, expected_sha256=sha256(b"abc"))
    url = await backend.storage.presign_download(key, expires=timedelta(seconds=1))

    clock.advance(timedelta(seconds=2))  # the local signer's clock
    if backend.name != "local":
        await anyio.sleep(2.1)  # the S3 servers read the real one
    response = await backend.http.get(url)

    # local disk and s3rver refuse; moto never checks a presigned URL's expiry
    assert response.status_code == (200 if backend.name == "moto" else 403)


async def test_tampered_download_url_is_refused_only_where_signatures_are_checked(
    backend: Backend,
) -> None:
    key = backend.key("tampered")
    await backend.storage.put(key, stream(b"abc"), expected_size=3, expected_sha256=sha256(b"abc"))
    url = await backend.storage.presign_download(key, expires=MINUTE)
    name = "sig" if backend.name == "local" else "X-Amz-Signature"
    query = parse_qs(urlsplit(url).query)
    query[name] = ["0" * len(query[name][0])]
    tampered = urlunsplit(urlsplit(url)._replace(query=urlencode(query, doseq=True)))

    response = await backend.http.get(tampered)

    # neither moto nor s3rver 3.7 computes SigV4 signatures: only our own signer refuses
    assert response.status_code == (403 if backend.name == "local" else 200)


async def test_a_download_url_serves_byte_ranges_so_a_video_seeks(backend: Backend) -> None:
    """RFC 9110 §14: a ranged GET answers 206 with the asked bytes and their
    Content-Range; a range past the end answers 416."""
    data = os.urandom(300_000)
    key = backend.key("lecture")
    await backend.storage.put(
        key, stream(data), expected_size=len(data), expected_sha256=sha256(data)
    )
    url = await backend.storage.presign_download(key, expires=MINUTE, media_type="video/webm")

    middle = await backend.http.get(url, headers={"Range": "bytes=150000-150099"})
    assert middle.status_code == 206
    assert middle.content == data[150000:150100]
    assert middle.headers["content-range"] == f"bytes 150000-150099/{len(data)}"

    # What a browser asks when the viewer jumps ahead: from a byte to the end.
    rest = await backend.http.get(url, headers={"Range": "bytes=299990-"})
    assert rest.status_code == 206
    assert rest.content == data[299990:]

    tail = await backend.http.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    if backend.name == "s3rver":
        # s3rver 3.7 reads a suffix range as a start offset (bytes from the beginning).
        assert tail.content != data[-10:]
    else:
        assert tail.content == data[-10:]

    beyond = await backend.http.get(url, headers={"Range": f"bytes={len(data) + 5}-"})
    assert beyond.status_code == 416
