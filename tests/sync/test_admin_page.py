"""The sync state page: per peer, the last bundles in and out, proposals awaiting it and
refused bundles with their reasons; administrators only."""

from __future__ import annotations

import html
from pathlib import Path

import httpx

from exchange.identity.identity import Role
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import World
from tests.pages.people import person, sign_in
from tests.sync.pair import cli_ok, peer, second_instance


async def test_the_admin_page_shows_each_peer_its_bundles_and_refusals(
    settings: Settings,
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    tmp_path: Path,
    sqlite_template: Path,
) -> None:
    other = second_instance(tmp_path, sqlite_template, "other")
    pair = await peer(other, settings, tmp_path, [])  # this instance is pair.partner
    third = second_instance(tmp_path, sqlite_template, "third")
    third_id = (await cli_ok(third, "peers", "self", "--jwks", str(tmp_path / "t.json"))).strip()
    await cli_ok(other, "peers", "add", "--id", third_id, "--jwks", str(tmp_path / "t.json"))
    elsewhere = tmp_path / "to-third.tar.gz"
    await cli_ok(other, "sync", "export", "--peer", third_id, str(elsewhere))
    assert (await invoke(settings, "sync", "import", str(elsewhere))).exit_code == 5
    await cli_ok(settings, "sync", "export", "--peer", str(pair.hub_id), str(tmp_path / "o.tgz"))

    await person(runtime, "root@example.org", world.donor, Role.ADMIN)
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    await sign_in(client, "root@example.org")
    page = await client.get("/admin/sync")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f"This instance: {pair.partner_id}" in text
    assert f'<section class="card" data-peer-id="{pair.hub_id}">' in text
    assert '<dd data-field="last-in">–</dd>' in text
    assert '<dd data-field="last-out">exported · ' in text
    assert '<dd data-field="pending-proposals">0</dd>' in text
    assert (
        f": bundle refused: addressed to instance {third_id}, not to {pair.partner_id}</li>" in text
    )

    await sign_in(client, "kim@example.org")
    assert (await client.get("/admin/sync")).status_code == 404
