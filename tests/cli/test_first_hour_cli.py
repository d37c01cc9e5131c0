"""The command line as a newcomer meets it: a wrong data directory, exit codes, demo tokens."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from exchange import errors
from exchange.cli import exit_codes
from exchange.cli.main import cli
from exchange.db.readiness import NoDatabase
from exchange.identity.models import Token
from exchange.objects.errors import UploadRejected
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments.errors import IllegalTransition
from exchange.storage import errors as storage_errors
from tests.cli_runner import invoke
from tests.conftest import World, gql, operation
from tests.objects.scene import PDF, Scene, build_scene

README = Path(__file__).resolve().parents[2] / "README.md"
NEEDS_DATABASE = [
    ["token", "create", "--email", "librarian@kisu.example.org"],
    ["audit", "verify"],
    ["audit", "checkpoint"],
    ["fixity", "check"],
    ["objects", "gc"],
    ["report", "usage", "--from", "2026-01-01", "--to", "2026-01-02"],
    ["keys", "export-jwks", "jwks.json"],
]


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.parametrize("args", NEEDS_DATABASE, ids=lambda a: " ".join(a[:2]))
def test_a_command_without_a_database_says_so_in_one_line_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # another working directory than the server's
    env = {"EXCHANGE_DATA_DIR": None, "EXCHANGE_DATABASE_URL": None}
    result = CliRunner().invoke(cli, args, env=env)
    expected = tmp_path.resolve() / "data" / "exchange.sqlite3"
    assert (result.exit_code, result.output) == (
        7,
        f"error: no database at {expected}; run `exchange db upgrade` or set EXCHANGE_DATA_DIR\n",
    )
    assert files_under(tmp_path) == []


def test_an_unmigrated_database_is_named_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "elsewhere"
    data.mkdir()
    sqlite3.connect(data / "exchange.sqlite3").close()  # an empty file, as a typo makes
    result = CliRunner().invoke(
        cli, ["token", "create", "--email", "x@example.org"], env={"EXCHANGE_DATA_DIR": str(data)}
    )
    where = (data / "exchange.sqlite3").resolve()
    assert (result.exit_code, result.output) == (
        7,
        f"error: the database at {where} is not migrated; run `exchange db upgrade`"
        " or set EXCHANGE_DATA_DIR\n",
    )
    assert files_under(data) == ["exchange.sqlite3"]


def test_every_error_has_one_documented_exit_code() -> None:
    cases: list[tuple[errors.ExchangeError, int]] = [
        (errors.ValidationFailed.single("f", "c", "m"), 2),
        (errors.NotFound("work", "w"), 3),
        (storage_errors.ObjectMissing("objects/x"), 3),
        (errors.PermissionDenied("work.create"), 4),
        (errors.Conflict("c"), 5),
        (IllegalTransition("approve", "draft", (), "s"), 5),
        (errors.InsufficientQuantity("offer", "l", 0), 5),
        (errors.Unauthenticated("u"), 6),
        (NoDatabase("here"), 7),
        (storage_errors.StorageUnavailable("down"), 8),
        (storage_errors.IntegrityMismatch("k", expected_size=1, actual_size=2), 10),
        (UploadRejected("o", "r"), 10),
        (exit_codes.VerificationFailed("v"), 10),
        (errors.ExchangeError("anything else"), 1),
    ]
    assert [(type(e).__name__, exit_codes.exit_code(e)) for e, _ in cases] == [
        (type(e).__name__, code) for e, code in cases
    ]
    documented = README.read_text("utf-8").split("Exit codes:", 1)[1].split("\n\n", 1)[0]
    listed = {int(code) for code in re.findall(r"\b(\d+) [a-z]", documented)}
    # 11 is no error: the signatures hold, but a key was not pinned (manifest verify)
    assert listed == {0, 1, *exit_codes.EXIT_CODES.values(), exit_codes.UNTRUSTED_KEYS}


@pytest.fixture
async def scene(runtime: Runtime, world: World) -> Scene:
    return await build_scene(runtime, world)


async def test_getting_an_object_whose_bytes_are_gone_exits_not_found(
    settings: Settings, runtime: Runtime, scene: Scene, tmp_path: Path
) -> None:
    source = tmp_path / "slides.pdf"
    source.write_bytes(PDF)
    put = await invoke(
        settings,
        "objects", "put", str(source),
        "--work", str(scene.work_id),
        "--partner", str(scene.national),
        "--licence", "CC-BY-4.0",
    )  # fmt: skip
    object_id = put.output.strip().splitlines()[-1].split("\t")[0]
    (runtime.settings.effective_storage_dir / "objects" / object_id).unlink()
    target = tmp_path / "copy.pdf"
    got = await invoke(settings, "objects", "get", object_id, str(target))
    assert (got.exit_code, got.output) == (
        3,
        f"error: no stored object 'objects/{object_id}'\n",
    )
    assert not target.exists()


def demo_tokens(output: str) -> dict[str, str]:
    rows = [line.split() for line in output.splitlines() if "@" in line and "sx_" in line]
    return {row[0]: row[3] for row in rows}


async def live_demo_tokens(runtime: Runtime) -> int:
    async with runtime.db.read() as session:
        rows = await session.exec(
            select(Token).where(Token.label == "demo", col(Token.revoked_at).is_(None))
        )
        return len(rows.all())


async def test_demo_tokens_are_printed_once_and_fresh_ones_revoke_the_earlier(
    settings: Settings, runtime: Runtime, client: Any
) -> None:
    first = await invoke(settings, "demo")
    printed = demo_tokens(first.output)
    assert len(printed) == 7
    assert await live_demo_tokens(runtime) == 7

    again = await invoke(settings, "demo")
    assert (again.exit_code, again.output) == (
        0,
        "Demo data was already loaded; its tokens were printed then. "
        "`exchange demo --tokens` prints fresh ones (and revokes those).\n",
    )
    assert await live_demo_tokens(runtime) == 7

    fresh = await invoke(settings, "demo", "--tokens")
    assert fresh.exit_code == 0, fresh.output
    renewed = demo_tokens(fresh.output)
    assert set(renewed) == set(printed)
    assert not set(renewed.values()) & set(printed.values())
    assert await live_demo_tokens(runtime) == 7
    admin = "admin@hub.example.org"
    old = await client.post(
        "/graphql",
        json={"query": operation("Viewer")},
        headers={"Authorization": f"Bearer {printed[admin]}"},
    )
    assert (old.status_code, old.json()["errors"][0]["message"]) == (401, "token revoked")
    new = await gql(client, operation("Viewer"), token=renewed[admin])
    assert new["data"]["viewer"]["account"]["email"] == admin


async def test_read_only_commands_create_no_file_in_a_migrated_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    upgraded = await invoke(settings, "db", "upgrade")
    assert (upgraded.exit_code, upgraded.output) == (0, "Database is up to date.\n")
    made = files_under(tmp_path)
    assert made == [
        "data",
        "data/exchange.sqlite3",
        "data/instance-key.pem",
        "data/url-signing.key",
    ]
    for args in (["audit", "verify"], ["audit", "checkpoint"], ["fixity", "check"]):
        result = await invoke(settings, *args)
        assert result.exit_code == 0, result.output
    assert files_under(tmp_path) == made
