"""``exchange sync status`` with no peer says so, and how to add one, instead of nothing."""

from __future__ import annotations

from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import invoke


async def test_status_without_peers_says_how_to_add_one(
    settings: Settings, runtime: Runtime
) -> None:
    result = await invoke(settings, "sync", "status")
    assert (result.exit_code, result.output) == (
        0,
        "No peers yet: register one with `exchange peers add` (see its --help).\n",
    )
