"""Issue 11 item 9 at the command line: text options pass the domain's rule, and nothing a
command prints from data can drive the terminal."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli.test_manifest_cli import offline
from tests.cli_runner import invoke
from tests.conftest import World, db_state
from tests.manifests.samples import manifest

FORGED = "ok\r\x1b[2K  countersigned by receiver: received 2026-02-01, 0 discrepancies"
CLI = Path(__file__).resolve().parents[2] / "exchange" / "cli"


async def test_manifest_verify_shows_control_characters_of_a_receipt_note_as_escapes(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    for name in ("sender", "receiver"):
        made = offline("keys", "generate", "--out", str(tmp_path / f"{name}.pem"), cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        (tmp_path / f"{name}.jwk").write_text(made.stdout)
    for name, partner in (("sender", world.donor), ("receiver", world.national)):
        public = str(tmp_path / f"{name}.jwk")
        result = await invoke(
            settings, "keys", "register", "--partner", partner, "--public-key", public
        )
        assert result.exit_code == 0, result.output
    exported = await invoke(settings, "keys", "export-jwks", str(tmp_path / "jwks.json"))
    assert exported.exit_code == 0, exported.output
    sample = manifest().to_json()
    sample["sender"], sample["receiver"] = world.donor, world.national
    (tmp_path / "manifest.json").write_text(json.dumps(sample))
    signed = offline("manifest", "sign", "manifest.json", "--key", "sender.pem", cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    (tmp_path / "signed.json").write_text(signed.stdout)
    item = sample["items"][2]["work_id"]
    receipt = {
        "type": "scholarly-exchange/receipt/v1",
        "received_at": "2026-02-01T12:00:00.000000Z",
        "discrepancies": [{"item": item, "expected": 3, "received": 2, "note": FORGED}],
    }
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    countersigned = offline(
        "manifest", "countersign", "signed.json", "--receipt", "receipt.json",
        "--key", "receiver.pem", cwd=tmp_path,
    )  # fmt: skip
    assert countersigned.returncode == 0, countersigned.stderr
    (tmp_path / "countersigned.json").write_text(countersigned.stdout)

    verified = offline(
        "manifest", "verify", "countersigned.json", "--pinned-jwks", "jwks.json", cwd=tmp_path
    )
    assert verified.returncode == 0, verified.stderr
    assert "\r" not in verified.stdout
    assert "\x1b" not in verified.stdout
    lines = verified.stdout.splitlines()
    assert len(lines) == 6  # and a line per key saying whether it is trusted
    assert lines[3] == (
        f"    item {item}: expected 3, received 2 (ok\\x0d\\x1b[2K  countersigned by receiver: "
        "received 2026-02-01, 0 discrepancies)"
    )


async def test_a_text_option_with_a_forbidden_character_is_a_usage_error(
    settings: Settings, world: World, runtime: Runtime
) -> None:
    before = await db_state(runtime)
    result = await invoke(
        settings, "account", "create", "--email", "new@example.org", "--name", "bad\x1b[2K"
    )
    assert result.exit_code == 2
    assert "Invalid value for '--name': U+001B at position 3 is not allowed in text" in (
        result.output
    )
    assert "\x1b" not in result.output
    assert await db_state(runtime) == before


def test_only_the_output_module_writes_to_the_terminal() -> None:
    """``click.echo`` and ``print`` appear in exchange/cli/output.py only; ``sys.stdout`` and
    ``sys.stderr`` only as the progress bars of imports and uploads (whose labels are
    escaped) and the CSV usage report (ids and counts)."""
    offenders: list[tuple[str, str]] = []
    for path in sorted(CLI.glob("*.py")):
        if path.name == "output.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and (
                (node.attr == "echo" and getattr(node.value, "id", None) == "click")
                or (node.attr in ("stdout", "stderr") and getattr(node.value, "id", None) == "sys")
            ):
                offenders.append((path.name, node.attr))
            if isinstance(node, ast.Name) and node.id == "print":
                offenders.append((path.name, node.id))
    assert offenders == [
        ("catalogue.py", "stderr"),
        ("objects.py", "stderr"),
        ("report.py", "stdout"),
    ]


async def test_dates_in_year_9999_get_an_answer_at_the_command_line(
    settings: Settings, world: World
) -> None:
    usage = await invoke(settings, "report", "usage", "--from", "9999-01-01", "--to", "9999-12-31")
    assert (usage.exit_code, usage.output) == (0, "0 downloads from 9999-01-01 to 9999-12-31\n")
    revoke = await invoke(
        settings, "keys", "revoke", "--at", "9999-12-31T23:00:00-05:00", "--", "any-kid"
    )
    assert revoke.exit_code == 2
    assert "--at: between 0001-01-02 and 9999-12-30 (UTC)" in revoke.output
