"""Sync state in GraphQL: per peer, last bundles, pending proposals, refused bundles."""

from __future__ import annotations

from pathlib import Path

import httpx

from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import World, gql, operation
from tests.sync.pair import cli_ok, peer, second_instance


async def test_sync_peers_shows_bundles_pending_proposals_and_refusals(
    settings: Settings,
    client: httpx.AsyncClient,
    world: World,
    tmp_path: Path,
    sqlite_template: Path,
) -> None:
    partner = second_instance(tmp_path, sqlite_template, "partner")
    pair = await peer(partner, settings, tmp_path, [])
    # here the hub is the "partner" side of the helper: pair.partner is this instance
    third = second_instance(tmp_path, sqlite_template, "third")
    third_id = (await cli_ok(third, "peers", "self", "--jwks", str(tmp_path / "t.json"))).strip()
    await cli_ok(partner, "peers", "add", "--id", third_id, "--jwks", str(tmp_path / "t.json"))
    elsewhere = tmp_path / "to-third.tar.gz"
    await cli_ok(partner, "sync", "export", "--peer", third_id, str(elsewhere))
    assert (await invoke(settings, "sync", "import", str(elsewhere))).exit_code == 5
    out = tmp_path / "out.tar.gz"
    await cli_ok(settings, "sync", "export", "--peer", str(pair.hub_id), str(out))

    body = await gql(client, operation("SyncPeers"), token=world.tokens["admin"])
    [state] = body["data"]["syncPeers"]
    assert state["peerId"] == str(pair.hub_id)
    assert state["lastBundleIn"] is None
    assert state["lastBundleOut"]["direction"] == "out"
    assert state["lastBundleOut"]["outcome"] == "exported"
    assert state["pendingProposals"] == 0
    assert [r["outcome"] for r in state["refusedBundles"]] == ["refused"]
    assert state["refusedBundles"][0]["reason"] == (
        f"bundle refused: addressed to instance {third_id}, not to {pair.partner_id}"
    )

    denied = await gql(client, operation("SyncPeers"), token=world.tokens["librarian"])
    assert denied["data"] is None
    assert denied["errors"][0]["extensions"]["code"] == "permission_denied"
