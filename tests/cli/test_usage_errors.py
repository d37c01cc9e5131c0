"""click's usage errors are one line and the help hint, exit 2; commands load when used."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from exchange.cli import exit_codes
from exchange.cli.group import OneLineUsageError
from exchange.cli.main import COMMANDS, cli
from exchange.signing import instance_key


def run(*args: str) -> tuple[int, str, str]:
    env = {"EXCHANGE_DATA_DIR": "/nonexistent"}
    result = CliRunner().invoke(cli, list(args), env=env, prog_name="exchange")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (
            ("serve", "--bogus"),
            [
                "error: No such option '--bogus'. Did you mean '--host'?",
                "Try 'exchange serve --help' for help.",
            ],
        ),
        (
            ("token", "create"),
            [
                "error: Missing option '--email'.",
                "Try 'exchange token create --help' for help.",
            ],
        ),
        (
            ("nosuch",),
            ["error: No such command 'nosuch'.", "Try 'exchange --help' for help."],
        ),
        (
            ("keys", "revoke"),
            [
                "error: Missing argument 'KID'.",
                "Try 'exchange keys revoke --help' for help.",
            ],
        ),
        (
            ("serve", "--port", "99999"),
            [
                "error: Invalid value for '--port': 99999 is not in the range 1<=x<=65535.",
                "Try 'exchange serve --help' for help.",
            ],
        ),
    ],
)
def test_a_usage_error_is_one_line_and_the_help_hint_with_exit_2(
    args: tuple[str, ...], lines: list[str]
) -> None:
    assert run(*args) == (2, "", "\n".join(lines) + "\n")


def test_no_command_still_prints_the_help_page() -> None:
    code, out, err = run()
    assert out == ""
    assert code == 2
    assert err.startswith("Usage: exchange [OPTIONS] COMMAND [ARGS]...\n")
    assert "error:" not in err


def test_help_lists_every_command_with_its_summary() -> None:
    code, out, _ = run("--help")
    assert code == 0
    listed = [line.split()[0] for line in out.split("Commands:\n")[1].splitlines()]
    assert listed == sorted(COMMANDS)
    assert re.search(
        r"^  serve +Migrate the database, then serve the web pages and GraphQL\.$", out, re.M
    )


def test_the_usage_error_exit_code_is_the_tables_bad_input() -> None:
    assert OneLineUsageError.exit_code == exit_codes.BAD_INPUT


def test_serve_imports_neither_alembic_nor_boto3_nor_the_demo_loader() -> None:
    script = (
        "import sys; from exchange.cli.main import cli; cli.get_command(None, 'serve');"
        " import exchange.app;"
        " print(*[m for m in ('alembic', 'boto3', 'exchange.demo.loader', 'exchange.cli.catalogue',"
        " 'pymarc', 'httpx', 'stdnum', 'exchange.sync.bundle') if m in sys.modules] or ['none'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["none"]


def test_serve_leaves_what_only_some_requests_use_to_the_first_of_them(
    tmp_path: Path,
) -> None:
    """Not at start but by the first request that needs them (issue 15): the GraphQL endpoint
    (Strawberry, graphql-core, ``exchange.api``) at the first ``/graphql``; ``cryptography``
    when a key is first used (the instance key exists, as after any first start); Jinja and
    Babel at the first page; argon2 at the first password hashed or checked."""
    instance_key.load_or_create(tmp_path / "instance-key.pem")
    script = (
        "import sys; from exchange.cli.main import cli; cli.get_command(None, 'serve');"
        " from exchange.app import create_app; from exchange.settings import Settings;"
        " app = create_app(Settings.from_environ());"
        " print(*[m for m in ('strawberry', 'graphql', 'exchange.api', 'cryptography', 'jinja2',"
        " 'babel', 'argon2')"
        " if any(n == m or n.startswith(m + '.') for n in sys.modules)] or ['none'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "EXCHANGE_DATA_DIR": str(tmp_path)},
    )
    assert done.stdout.split() == ["none"]
