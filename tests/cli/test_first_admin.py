"""A new install makes its first admin from the command line (a partner first, then the
account with the admin role there), and a file the command cannot write is one line with
exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import environment, invoke

EXCHANGE = Path(sys.executable).with_name("exchange")


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
    env |= environment(settings)
    return subprocess.run(
        [str(EXCHANGE), *args], env=env, capture_output=True, text=True, check=False
    )


async def test_the_first_admin_is_made_with_a_partner_then_an_account(
    settings: Settings, runtime: Runtime
) -> None:
    made = await invoke(
        settings, "partner", "create", "--name", "ko-Hang=인민대학습당",
        "--name", "en=Grand People's Study House", "--country", "KP",
        "--kind", "national_library",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    partner_id = made.output.strip()
    admin = await invoke(
        settings, "account", "create", "--email", "first@example.org", "--name", "First",
        "--partner", partner_id, "--role", "admin",
    )  # fmt: skip
    assert admin.exit_code == 0, admin.output
    token = await invoke(settings, "token", "create", "--email", "first@example.org")
    assert token.exit_code == 0, token.output
    assert token.output.strip().startswith("sx_")

    bad = await invoke(
        settings, "partner", "create", "--name", "Library", "--country", "KP",
        "--kind", "national_library",
    )  # fmt: skip
    assert bad.exit_code == 2
    assert "write it as LANG=NAME" in bad.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    for args in (
        ("schema", "export", str(missing / "schema.graphql")),
        ("keys", "export-jwks", str(missing / "jwks.json")),
    ):
        done = run(settings, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error: ")
        assert done.stderr.count("\n") == 1
        assert "Traceback" not in done.stderr


async def test_serve_refuses_a_port_past_16_bits(settings: Settings, runtime: Runtime) -> None:
    result = await invoke(settings, "serve", "--port", "99999")
    assert result.exit_code == 2
    assert "99999 is not in the range 1<=x<=65535" in result.output
