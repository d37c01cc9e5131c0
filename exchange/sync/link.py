"""Bundles over a link: the same signed bundles, moved over HTTP in chunks that resume
after a dropped connection, at a capped rate.

Requests between instances are signed with the sender's instance key: headers
``X-Exchange-Instance`` (its id), ``X-Exchange-Time`` (Unix seconds) and
``X-Exchange-Signature`` (base64url Ed25519 over ``"<METHOD> <path> <id> <time>"``); the
receiver checks them against the peer's registered key and refuses a time more than
``SKEW`` seconds away. A bundle is proved again by its own signature at import, so an
upload can never bring in anything its sender did not sign.

Push: ``HEAD /sync/inbox/<name>`` gives ``Upload-Offset`` (bytes already received);
``PATCH`` sends the next chunk at that offset with ``Upload-Length`` (the total); the last
chunk makes the receiver import the bundle. Pull: ``POST /sync/outbox`` makes the
bundle for the asking peer and names it; ``GET /sync/outbox/<name>`` with ``Range:
bytes=<n>-`` sends the rest from byte n.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.errors import Unauthenticated, ValidationFailed
from exchange.messages import N_
from exchange.signing.instance_key import b64url, b64url_decode
from exchange.sync import peers
from exchange.sync.models import SyncPeer

if TYPE_CHECKING:  # the client side only: `serve` answers links without httpx (issue 15)
    import httpx
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SKEW = 300
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
RETRIES = 5


def signed_headers(
    key: Ed25519PrivateKey, self_id: uuid.UUID, method: str, path: str
) -> dict[str, str]:
    now = str(int(time.time()))
    message = f"{method} {path} {self_id} {now}".encode()
    return {
        "X-Exchange-Instance": str(self_id),
        "X-Exchange-Time": now,
        "X-Exchange-Signature": b64url(key.sign(message)),
    }


async def authenticate(
    session: AsyncSession, method: str, path: str, headers: dict[str, str]
) -> SyncPeer:
    """The registered peer that signed this request, or ``Unauthenticated``."""
    try:
        peer_id = uuid.UUID(headers.get("x-exchange-instance", ""))
        at = int(headers.get("x-exchange-time", ""))
        signature = b64url_decode(headers.get("x-exchange-signature", ""))
    except ValueError:
        raise Unauthenticated("missing or malformed instance signature headers") from None
    if abs(time.time() - at) > SKEW:
        raise Unauthenticated("the request's time is too far from ours")
    peer = await session.get(SyncPeer, peer_id)
    if peer is None:
        raise Unauthenticated(N_("instance {peer_id} is not a registered peer", peer_id=peer_id))
    from cryptography.exceptions import InvalidSignature

    try:
        peers.public_key(peer.jwk).verify(signature, f"{method} {path} {peer_id} {at}".encode())
    except (InvalidSignature, ValueError):
        raise Unauthenticated("the instance signature does not verify") from None
    return peer


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ValidationFailed.single("name", "invalid", "not a bundle file name")
    return name


@dataclass(frozen=True, slots=True)
class Link:
    """One peer's address, and how this instance talks to it."""

    client: httpx.AsyncClient
    base_url: str
    self_id: uuid.UUID
    key: Ed25519PrivateKey
    chunk: int = 256 * 1024
    rate: int = 0  # bytes per second, 0: no cap

    def headers(self, method: str, path: str) -> dict[str, str]:
        return signed_headers(self.key, self.self_id, method, path)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


class Pacer:
    """Sleeps so that the bytes moved since the start stay under ``rate`` per second."""

    def __init__(self, rate: int) -> None:
        self.rate, self.moved, self.start = rate, 0, time.monotonic()

    async def moved_bytes(self, count: int) -> None:
        self.moved += count
        if self.rate:
            ahead = self.moved / self.rate - (time.monotonic() - self.start)
            if ahead > 0:
                await anyio.sleep(ahead)


async def push(link: Link, source: Path) -> httpx.Response:
    """Send ``source`` to the peer's inbox, resuming where it stopped; the final response
    (the peer's verdict on the bundle)."""
    import httpx

    path = f"/sync/inbox/{check_name(source.name)}"
    total = (await anyio.to_thread.run_sync(source.stat)).st_size
    pacer = Pacer(link.rate)
    for attempt in range(RETRIES):
        try:
            head = await link.client.head(link.url(path), headers=link.headers("HEAD", path))
            head.raise_for_status()
            offset = int(head.headers["Upload-Offset"])
            async with await anyio.open_file(source, "rb") as handle:
                await handle.seek(offset)
                while True:
                    data = (
                        await handle.read(min(link.chunk, total - offset))
                        if offset < total
                        else b""
                    )
                    response = await link.client.patch(
                        link.url(path),
                        content=data,
                        headers={
                            **link.headers("PATCH", path),
                            "Upload-Offset": str(offset),
                            "Upload-Length": str(total),
                        },
                    )
                    if response.status_code == 409:  # our idea of the offset was stale
                        break
                    offset += len(data)
                    await pacer.moved_bytes(len(data))
                    if offset >= total:
                        return response
                    response.raise_for_status()
        except httpx.TransportError:
            if attempt == RETRIES - 1:
                raise
    raise httpx.HTTPError(f"could not deliver {source.name} after {RETRIES} attempts")


async def pull(link: Link, folder: Path) -> Path:
    """Ask the peer for the bundle it has for us and fetch it into ``folder``, resuming a
    partial download; the complete file."""
    import httpx

    response = await link.client.post(
        link.url("/sync/outbox"), headers=link.headers("POST", "/sync/outbox")
    )
    response.raise_for_status()
    name, size = check_name(response.json()["name"]), int(response.json()["size"])
    await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, exist_ok=True))
    partial, done = folder / f"{name}.part", folder / name
    pacer = Pacer(link.rate)
    path = f"/sync/outbox/{name}"
    for attempt in range(RETRIES):
        have = (await anyio.to_thread.run_sync(partial.stat)).st_size if partial.exists() else 0
        if have >= size:
            break
        try:
            headers = {**link.headers("GET", path), "Range": f"bytes={have}-"}
            async with link.client.stream("GET", link.url(path), headers=headers) as body:
                body.raise_for_status()
                async with await anyio.open_file(partial, "ab") as handle:
                    async for chunk in body.aiter_bytes(link.chunk):
                        await handle.write(chunk)
                        await pacer.moved_bytes(len(chunk))
        except httpx.TransportError:
            if attempt == RETRIES - 1:
                raise
    await anyio.to_thread.run_sync(partial.replace, done)
    return done
