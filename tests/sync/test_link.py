"""Bundles over HTTP: signed requests, resumable chunked upload, ranged download."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.app import create_app
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.sync import export, link
from tests.allocations.market import make_market
from tests.conftest import World
from tests.servers.web import serving
from tests.sync.pair import Pair, cli_ok, peer, second_instance


async def _setup(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> tuple[Pair, httpx.AsyncClient]:
    await make_market(runtime, world, [5], [3])
    pair = await peer(
        settings, second_instance(tmp_path, sqlite_template, "partner"), tmp_path, [world.national]
    )
    app = create_app(settings, runtime)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return pair, client


async def test_a_push_resumes_after_a_dropped_connection_and_the_hub_applies_it(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    pair, client = await _setup(settings, runtime, world, tmp_path, sqlite_template)
    # the partner instance needs something of its own to send: it first receives the hub's
    await cli_ok(
        settings, "sync", "export", "--peer", str(pair.partner_id), str(tmp_path / "a.tar.gz")
    )
    await cli_ok(pair.partner, "sync", "import", str(tmp_path / "a.tar.gz"))
    remote = Runtime.start(pair.partner)
    try:
        source = tmp_path / "to-hub.tar.gz"
        async with remote.db.unit_of_work() as uow:
            await export.export(
                SYSTEM,
                pair.hub_id,
                source,
                uow=uow,
                key=remote.instance_key,
                storage=remote.storage,
            )
        data = source.read_bytes()
        here = link.Link(
            client, "http://testserver", pair.partner_id, remote.instance_key, chunk=700
        )
        path = f"/sync/inbox/{source.name}"
        # the first 700 bytes arrive, then the connection drops
        first = await client.patch(
            path,
            content=data[:700],
            headers={
                **here.headers("PATCH", path),
                "Upload-Offset": "0",
                "Upload-Length": str(len(data)),
            },
        )
        assert first.status_code == 204
        assert first.headers["Upload-Offset"] == "700"
        stale = await client.patch(
            path,
            content=data[:700],
            headers={
                **here.headers("PATCH", path),
                "Upload-Offset": "0",
                "Upload-Length": str(len(data)),
            },
        )
        assert stale.status_code == 409
        response = await link.push(here, source)
    finally:
        await remote.close()
        await client.aclose()
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "applied"
    assert f"from {pair.partner_id}: applied" in response.json()["lines"][0]
    status = await cli_ok(settings, "sync", "status")
    assert "acked" in status
    marks = await _marks(settings)
    assert [origin for origin, _seq in marks] == [pair.partner_id.hex]


async def _marks(settings: Settings) -> list[tuple[str, int]]:
    import sqlalchemy as sa

    rt = Runtime.start(settings)
    try:
        async with rt.db.read() as session:
            rows = (await session.execute(sa.text("SELECT origin_id, seq FROM sync_mark"))).all()
    finally:
        await rt.close()
    return [(o.hex if isinstance(o, uuid.UUID) else str(o), int(s)) for o, s in rows]


async def test_a_pull_fetches_the_peers_bundle_with_ranges_and_only_for_the_signer(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    pair, client = await _setup(settings, runtime, world, tmp_path, sqlite_template)
    remote = Runtime.start(pair.partner)
    try:
        here = link.Link(
            client, "http://testserver", pair.partner_id, remote.instance_key, chunk=512
        )
        made = await client.post("/sync/outbox", headers=here.headers("POST", "/sync/outbox"))
        assert made.status_code == 200
        name, size = made.json()["name"], made.json()["size"]
        path = f"/sync/outbox/{name}"
        whole = await client.get(path, headers=here.headers("GET", path))
        tail = await client.get(path, headers={**here.headers("GET", path), "Range": "bytes=100-"})
        assert (whole.status_code, len(whole.content)) == (200, size)
        assert tail.status_code == 206
        assert tail.content == whole.content[100:]
        assert tail.headers["Content-Range"] == f"bytes 100-{size - 1}/{size}"

        stranger = link.Link(
            client, "http://testserver", uuid.uuid4(), Ed25519PrivateKey.generate()
        )
        refused = await client.get(path, headers=stranger.headers("GET", path))
        assert refused.status_code == 401
        forged = {**here.headers("GET", path), "X-Exchange-Instance": str(pair.partner_id)}
        forged["X-Exchange-Signature"] = stranger.headers("GET", path)["X-Exchange-Signature"]
        assert (await client.get(path, headers=forged)).status_code == 401
        assert (await client.get(path)).status_code == 401

        fetched = await link.pull(here, tmp_path / "incoming")
        assert fetched.name.endswith(".tar.gz")
    finally:
        await remote.close()
        await client.aclose()
    assert "applied" in await cli_ok(pair.partner, "sync", "import", str(fetched))


async def test_sync_push_and_pull_commands_over_a_real_server(
    settings: Settings, world: World, tmp_path: Path, sqlite_template: Path
) -> None:
    pair = await peer(
        settings, second_instance(tmp_path, sqlite_template, "partner"), tmp_path, [world.national]
    )
    with serving(create_app(settings)) as base:
        pulled = await cli_ok(
            pair.partner, "sync", "pull", "--peer", str(pair.hub_id), "--url", base,
            "--chunk-kib", "1", "--rate-kib", "512",
        )  # fmt: skip
        assert f"from {pair.hub_id}: applied" in pulled
        pushed = await cli_ok(
            pair.partner, "sync", "push", "--peer", str(pair.hub_id), "--url", base,
            "--chunk-kib", "1",
        )  # fmt: skip
        assert '"outcome": "applied"' in pushed
        again = await cli_ok(
            pair.partner, "sync", "pull", "--peer", str(pair.hub_id), "--url", base
        )
        assert "already held" in again or "applied" in again
