"""What the two S3 servers of the tests are and are not, so no test trusts more than they
check: both listen on 127.0.0.1 only; s3rver lacks the listing and abort calls; moto keeps
a claimed checksum without checking it against the bytes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from exchange.storage.errors import Unsupported
from exchange.storage.s3 import S3Storage
from tests.servers.moto import ENV_ENDPOINT, S3Server
from tests.storage.conftest import s3_config

MINUTE = timedelta(minutes=1)


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on ``port`` (from /proc/net)."""
    found: set[str] = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        path = Path("/proc/net") / table
        for line in path.read_text().splitlines()[1:] if path.exists() else []:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                assert len(address) == width
                found.add(address)
    return found


@pytest.mark.parametrize("name", ["s3_server", "s3rver_server"])
def test_each_s3_server_listens_on_loopback_only(request: pytest.FixtureRequest, name: str) -> None:
    server: S3Server = request.getfixturevalue(name)
    if name == "s3_server" and os.environ.get(ENV_ENDPOINT):
        pytest.skip("an external server named by EXCHANGE_TEST_S3_ENDPOINT")
    port = urlsplit(server.endpoint).port
    assert port is not None

    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, little-endian hex


async def test_s3rver_cannot_list_multipart_uploads(s3rver_server: S3Server) -> None:
    storage = S3Storage(s3_config(s3rver_server))

    with pytest.raises(Unsupported) as raised:
        await storage.list_multipart_uploads()

    assert raised.value.operation == "list_multipart_uploads"
    await storage.aclose()


async def test_moto_keeps_a_claimed_checksum_without_checking_the_bytes(
    s3_server: S3Server,
) -> None:
    storage = S3Storage(s3_config(s3_server))
    claimed = hashlib.sha256(b"declared").hexdigest()
    ticket = await storage.presign_upload("servers/claimed", size=5, sha256=claimed, expires=MINUTE)

    async with httpx.AsyncClient() as http:
        response = await http.put(ticket.url, content=b"other", headers=dict(ticket.headers))

    # AWS would answer BadDigest; moto stores the bytes and the claim: only the service's
    # own digest after the upload tells them apart
    assert response.status_code == 200
    info = await storage.stat("servers/claimed")
    assert info is not None
    assert info.checksum_sha256 == claimed
    assert (await storage.digest("servers/claimed")).sha256 == hashlib.sha256(b"other").hexdigest()
    await storage.aclose()


async def test_without_checksums_tickets_carry_no_checksum_header(s3_server: S3Server) -> None:
    config = s3_config(s3_server)
    storage = S3Storage(dataclasses.replace(config, checksums=False))
    ticket = await storage.presign_upload(
        "servers/plain", size=3, sha256=hashlib.sha256(b"abc").hexdigest(), expires=MINUTE
    )

    assert ticket.headers == {"Content-Length": "3"}
    assert "x-amz-checksum-sha256" not in ticket.url
    assert base64.b64encode(hashlib.sha256(b"abc").digest()).decode() not in ticket.url
    await storage.aclose()
