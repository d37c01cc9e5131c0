"""The ``exchange`` command as an operator uses it."""

from __future__ import annotations

from typing import Any

import pytest

from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import gql, operation


async def test_demo_loads_once_and_prints_working_tokens(settings: Settings, client: Any) -> None:
    first = await invoke(settings, "demo")
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    rows = [line.split() for line in first.output.splitlines() if "@" in line and "sx_" in line]
    roles = {row[1] for row in rows}
    assert roles == {"admin", "coordinator", "librarian", "researcher"}
    credentials = (settings.data_dir / "demo-credentials.txt").read_text().splitlines()
    assert len(credentials) == len(rows)
    assert oct((settings.data_dir / "demo-credentials.txt").stat().st_mode & 0o777) == "0o600"

    admin_token = next(row[3] for row in rows if row[1] == "admin")
    body = await gql(client, operation("Partners"), {"first": 100}, admin_token)
    names = {e["node"]["name"] for e in body["data"]["partners"]["edges"]}
    assert {"인민대학습당", "김일성종합대학 도서관", "Open Shelves Foundation"} <= names

    email, password = credentials[0].split("\t")
    login = await gql(client, operation("Login"), {"email": email, "password": password})
    assert login["data"]["login"]["__typename"] == "IssuedToken"

    second = await invoke(settings, "demo")
    assert second.exit_code == 0
    assert "already loaded" in second.output
    again = await gql(client, operation("Partners"), {"first": 100}, admin_token)
    assert len(again["data"]["partners"]["edges"]) == len(body["data"]["partners"]["edges"])


async def test_token_create_prints_a_token_for_the_account(settings: Settings, client: Any) -> None:
    await invoke(settings, "demo")
    result = await invoke(settings, "token", "create", "--email", "Librarian@KISU.example.org")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("sx_")
    body = await gql(client, operation("Viewer"), token=token)
    assert body["data"]["viewer"]["account"]["email"] == "librarian@kisu.example.org"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["token", "create", "--email", "nobody@example.org"],
            3,
            "error: account nobody@example.org not found",
        ),
        (
            ["token", "create", "--email", "x@example.org", "--days", "0"],
            2,
            "Invalid value for '--days'",
        ),
        (
            ["account", "create", "--email", "bad", "--name", "X"],
            2,
            "error: email: not an e-mail address",
        ),
        (
            ["account", "create", "--email", "a@example.org", "--name", "X", "--role", "admin"],
            2,
            "--partner and --role go together",
        ),
        (["audit", "verify", "--checkpoint", "/nonexistent.json"], 2, "does not exist"),
    ],
)
async def test_bad_input_gets_a_message_and_an_exit_code(
    settings: Settings, world: Any, args: list[str], code: int, message: str
) -> None:
    result = await invoke(settings, *args)
    assert result.exit_code == code
    assert message in result.output


async def test_first_admin_is_bootstrapped_from_the_command_line(
    settings: Settings, world: Any, client: Any
) -> None:
    result = await invoke(
        settings,
        "account",
        "create",
        "--email",
        "root@example.org",
        "--name",
        "Root",
        "--partner",
        world.donor,
        "--role",
        "admin",
        "--password-stdin",
        stdin="a very long password\n",
    )
    assert result.exit_code == 0, result.output
    login = await gql(
        client,
        operation("Login"),
        {"email": "root@example.org", "password": "a very long password"},
    )
    token = login["data"]["login"]["token"]
    viewer = await gql(client, operation("Viewer"), token=token)
    assert [m["role"] for m in viewer["data"]["viewer"]["memberships"]] == ["ADMIN"]


async def test_bad_settings_are_a_usage_error(settings: Settings) -> None:
    from click.testing import CliRunner

    from exchange.cli.main import cli

    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"EXCHANGE_PORT": "eighty"})
    assert result.exit_code == 2
    assert "EXCHANGE_PORT must be an integer" in result.output


async def test_demo_offers_and_requests_match_at_once(settings: Settings, client: Any) -> None:
    first = await invoke(settings, "demo")
    rows = [line.split() for line in first.output.splitlines() if "@" in line and "sx_" in line]
    coordinator = next(row[3] for row in rows if row[1] == "coordinator")
    requests = (await gql(client, operation("Requests"), {}, coordinator))["data"]["requests"][
        "nodes"
    ]
    assert len(requests) == 2
    for request in requests:
        for line in request["lines"]:
            found = await gql(
                client, operation("Suggestions"), {"requestLineId": line["id"]}, coordinator
            )
            assert found["data"]["suggestions"], line
    allocations = (await gql(client, operation("Allocations"), {}, coordinator))["data"][
        "allocations"
    ]["nodes"]
    # the matching allocation, then those the demo shipments carry
    assert [(a["quantity"], a["state"]) for a in allocations] == [
        (10, "ACTIVE"),
        (5, "ACTIVE"),
        (2, "ACTIVE"),
        (1, "ACTIVE"),
        (5, "ACTIVE"),
        (2, "ACTIVE"),  # the digital shipment's
    ]
    shipments = (await gql(client, operation("Shipments"), {}, coordinator))["data"]["shipments"]
    assert [s["state"] for s in shipments["nodes"]] == [
        "RECEIVED_WITH_DISCREPANCY",
        "IN_TRANSIT",
        "RECEIVED",
        "AWAITING_APPROVAL",
        "DRAFT",
        "DISPATCHED",
    ]


async def test_demo_without_ffmpeg_says_it_made_no_lecture_video(
    settings: Settings, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))  # no ffmpeg on it
    result = await invoke(settings, "demo")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "note: ffmpeg is not installed (apt-get install ffmpeg): the demo lecture has no video"
    )
    assert lines[1] == "Demo data loaded."
