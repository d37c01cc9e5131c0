"""Two instances for sync tests: the hub (the parametrised database) and a partner's
offline instance (its own SQLite file and data directory), peered through the CLI."""

from __future__ import annotations

import base64
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from exchange.settings import Settings
from tests.cli_runner import invoke


@dataclass
class Pair:
    hub: Settings
    partner: Settings
    hub_id: uuid.UUID
    partner_id: uuid.UUID


def second_instance(tmp_path: Path, template: Path, name: str) -> Settings:
    path = tmp_path / f"{name}.sqlite3"
    shutil.copyfile(template, path)
    return Settings(
        data_dir=tmp_path / name,
        database_url=f"sqlite+aiosqlite:///{path}",
        key_encryption_key=base64.b64encode(f"{name:<32}"[:32].encode()).decode("ascii"),
    )


async def cli_ok(settings: Settings, *args: str) -> str:
    result = await invoke(settings, *args)
    assert result.exit_code == 0, result.output
    return result.output


async def peer(hub: Settings, partner: Settings, tmp_path: Path, serves: list[str]) -> Pair:
    """Each instance registers the other; the hub's peer serves ``serves``."""
    hub_id = uuid.UUID(
        (await cli_ok(hub, "peers", "self", "--jwks", str(tmp_path / "hub.json"))).strip()
    )
    partner_id = uuid.UUID(
        (await cli_ok(partner, "peers", "self", "--jwks", str(tmp_path / "p.json"))).strip()
    )
    serving = [a for s in serves for a in ("--serves", s)]
    await cli_ok(
        hub, "peers", "add", "--id", str(partner_id), "--jwks", str(tmp_path / "p.json"), *serving
    )
    await cli_ok(partner, "peers", "add", "--id", str(hub_id), "--jwks", str(tmp_path / "hub.json"))
    return Pair(hub, partner, hub_id, partner_id)
