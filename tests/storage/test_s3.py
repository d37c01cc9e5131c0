"""The S3 backend's own behaviour: faults, error mapping, what its tickets sign."""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError

from exchange.storage.errors import (
    ObjectMissing,
    StorageError,
    StorageUnavailable,
    Unsupported,
    UploadMissing,
)
from exchange.storage.s3 import S3Config, S3Storage
from exchange.storage.s3_client import translate
from tests.servers.moto import S3Server, running_moto
from tests.storage.conftest import s3_config

DATA = b"scholarly"
SHA = hashlib.sha256(DATA).hexdigest()


async def stream(data: bytes) -> AsyncIterator[bytes]:
    yield data


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_server_stopped_mid_test_raises_storage_unavailable_quickly() -> None:
    with running_moto() as server:
        storage = S3Storage(s3_config(server))
        await storage.put("a/b", stream(DATA), expected_size=len(DATA), expected_sha256=SHA)
        server.stop()

        for call in (
            lambda: storage.digest("a/b"),
            lambda: storage.stat("a/b"),
            lambda: storage.put("a/c", stream(DATA), expected_size=len(DATA), expected_sha256=SHA),
            lambda: storage.start_multipart("a/d"),
        ):
            started = time.monotonic()
            with pytest.raises(StorageUnavailable):
                await call()
            assert time.monotonic() - started < 5
        await storage.aclose()


async def test_closed_port_raises_storage_unavailable_quickly() -> None:
    server = S3Server(f"http://127.0.0.1:{closed_port()}", "bucket", "id", "secret")
    storage = S3Storage(s3_config(server))
    started = time.monotonic()

    with pytest.raises(StorageUnavailable) as raised:
        await storage.stat("a/b")

    assert time.monotonic() - started < 5
    assert isinstance(raised.value.__cause__, Exception)
    await storage.aclose()


async def test_upload_ticket_signs_length_and_checksum(s3_server: S3Server) -> None:
    storage = S3Storage(s3_config(s3_server))

    ticket = await storage.presign_upload(
        "a/b", size=len(DATA), sha256=SHA, expires=timedelta(minutes=5)
    )

    signed = parse_qs(urlsplit(ticket.url).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "x-amz-checksum-sha256"} <= set(signed)
    assert ticket.headers == {
        "Content-Length": str(len(DATA)),
        "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(DATA).digest()).decode(),
        "x-amz-sdk-checksum-algorithm": "SHA256",
    }
    assert parse_qs(urlsplit(ticket.url).query)["X-Amz-Expires"] == ["300"]
    await storage.aclose()


def client_error(code: str, status: int) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": ""},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "Operation")


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("NoSuchKey", 404, ObjectMissing),
        ("404", 404, ObjectMissing),
        ("NoSuchUpload", 404, UploadMissing),
        ("InternalError", 500, StorageUnavailable),
        ("SlowDown", 503, StorageUnavailable),
        ("AccessDenied", 403, StorageError),
        ("NotImplemented", 501, Unsupported),
        ("MethodNotAllowed", 405, Unsupported),
    ],
)
def test_server_errors_map_to_typed_errors(code: str, status: int, expected: type) -> None:
    error = translate(client_error(code, status), "a/b", "u1")
    assert type(error) is expected


def test_s3_config_hides_the_secret() -> None:
    assert "hunter2" not in repr(S3Config(bucket="b", secret_access_key="hunter2"))
