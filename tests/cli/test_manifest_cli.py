"""``exchange keys`` and ``exchange manifest`` end to end; verification in a process that
has no database settings at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from exchange import clock
from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import World
from tests.manifests.samples import manifest

EXCHANGE = Path(sys.executable).with_name("exchange")


def offline(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``exchange`` with no EXCHANGE_* settings and a database URL nothing answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
    env["EXCHANGE_DATA_DIR"] = str(cwd / "no-data-dir")
    env["EXCHANGE_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/none"
    return subprocess.run(
        [str(EXCHANGE), *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_sign_countersign_and_verify_offline_end_to_end(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    sender_key, receiver_key = tmp_path / "sender.pem", tmp_path / "receiver.pem"
    generated = offline(
        "keys",
        "generate",
        "--out",
        str(sender_key),
        "--passphrase-stdin",
        cwd=tmp_path,
        stdin="correct horse\n",
    )
    assert generated.returncode == 0, generated.stderr
    assert b"ENCRYPTED PRIVATE KEY" in sender_key.read_bytes()
    assert sender_key.stat().st_mode & 0o777 == 0o600
    (tmp_path / "sender.jwk").write_text(generated.stdout)
    plain = offline("keys", "generate", "--out", str(receiver_key), cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    (tmp_path / "receiver.jwk").write_text(plain.stdout)
    assert receiver_key.stat().st_mode & 0o777 == 0o600
    again = offline("keys", "generate", "--out", str(receiver_key), cwd=tmp_path)
    assert again.returncode == 2
    assert "not overwriting" in again.stderr

    kids = {}
    for name, partner in (("sender", world.donor), ("receiver", world.national)):
        result = await invoke(
            settings,
            "keys",
            "register",
            "--partner",
            partner,
            "--public-key",
            str(tmp_path / f"{name}.jwk"),
        )
        assert result.exit_code == 0, result.output
        kids[name] = result.output.strip()
        assert kids[name] == json.loads((tmp_path / f"{name}.jwk").read_text())["kid"]
    exported = await invoke(settings, "keys", "export-jwks", str(tmp_path / "jwks.json"))
    assert exported.exit_code == 0, exported.output
    registered = clock.now()  # after both keys were registered, before anything was signed

    sample = manifest().to_json()
    sample["sender"], sample["receiver"] = world.donor, world.national
    (tmp_path / "manifest.json").write_text(json.dumps(sample))
    signed = offline(
        "manifest",
        "sign",
        "manifest.json",
        "--key",
        str(sender_key),
        "--passphrase-stdin",
        cwd=tmp_path,
        stdin="correct horse\n",
    )
    assert signed.returncode == 0, signed.stderr
    (tmp_path / "signed.json").write_text(signed.stdout)
    item = sample["items"][2]["work_id"]
    receipt = {
        "type": "scholarly-exchange/receipt/v1",
        "received_at": "2026-02-01T12:00:00.000000Z",
        "discrepancies": [
            {"item": item, "expected": 3, "received": 2, "note": "one copy water-damaged"}
        ],
    }
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    countersigned = offline(
        "manifest",
        "countersign",
        "signed.json",
        "--receipt",
        "receipt.json",
        "--key",
        str(receiver_key),
        cwd=tmp_path,
    )
    assert countersigned.returncode == 0, countersigned.stderr
    (tmp_path / "countersigned.json").write_text(countersigned.stdout)

    verified = offline(
        "manifest", "verify", "countersigned.json", "--pinned-jwks", "jwks.json", cwd=tmp_path
    )
    assert verified.returncode == 0, verified.stderr
    lines = verified.stdout.splitlines()
    assert lines[0].startswith(f"OK manifest of shipment {sample['shipment_id']}: 3 items")
    assert f"signed by sender {world.donor} with key {kids['sender']} (EdDSA)" in lines[1]
    assert f"countersigned by receiver {world.national} with key {kids['receiver']}" in lines[2]
    assert "received 2026-02-01T12:00:00.000000Z, 1 discrepancies" in lines[2]
    assert lines[3] == f"    item {item}: expected 3, received 2 (one copy water-damaged)"
    assert lines[4:] == [
        f"  trusted: the sender's key {kids['sender']} is in the pinned JWKS jwks.json",
        f"  trusted: the receiver's key {kids['receiver']} is in the pinned JWKS jwks.json",
    ]
    assert verified.stderr == ""
    assert not (tmp_path / "no-data-dir").exists()

    # a kid may begin with "-": it goes after "--"; a time before registration is refused
    early = await invoke(
        settings, "keys", "revoke", "--at", "2020-01-01T00:00:00Z", "--", kids["receiver"]
    )
    assert (early.exit_code, early.output) == (
        2,
        "error: at: before the key was registered\n",
    )
    revoked = await invoke(settings, "keys", "revoke", "--", kids["receiver"])
    assert revoked.exit_code == 0, revoked.output
    assert revoked.output.startswith(f"revoked {kids['receiver']} at ")
    await invoke(settings, "keys", "export-jwks", str(tmp_path / "jwks.json"))
    # revoked after it countersigned: the receipt still verifies
    still = offline(
        "manifest", "verify", "countersigned.json", "--pinned-jwks", "jwks.json", cwd=tmp_path
    )
    assert still.returncode == 0, still.stderr

    # the leak is found to be older: the revocation moves earlier, never later
    later = await invoke(
        settings, "keys", "revoke", "--at", clock.iso(clock.now()), "--", kids["receiver"]
    )
    assert later.exit_code == 5
    assert "a revocation can only be moved earlier" in later.output
    earlier = await invoke(
        settings, "keys", "revoke", "--at", clock.iso(registered), "--", kids["receiver"]
    )
    assert (earlier.exit_code, earlier.output) == (
        0,
        f"revoked {kids['receiver']} at {clock.iso(registered)}\n",
    )
    await invoke(settings, "keys", "export-jwks", str(tmp_path / "jwks.json"))
    refused = offline(
        "manifest", "verify", "countersigned.json", "--pinned-jwks", "jwks.json", cwd=tmp_path
    )
    assert refused.returncode == 10
    assert f"FAIL key {kids['receiver']} was revoked at {clock.iso(registered)}" in (refused.stderr)


def test_verify_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    jwk = offline("keys", "generate", "--out", str(key), cwd=tmp_path)
    sample = manifest().to_json()
    (tmp_path / "manifest.json").write_text(json.dumps(sample))
    signed = json.loads(
        offline("manifest", "sign", "manifest.json", "--key", str(key), cwd=tmp_path).stdout
    )
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": []}))
    (tmp_path / "signed.json").write_text(json.dumps(signed))
    kid = json.loads(jwk.stdout)["kid"]
    result = offline("manifest", "verify", "signed.json", "--jwks", "jwks.json", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        10,
        "",
        f"FAIL unknown kid {kid}: not in the JWKS\n",
    )
    not_json = offline(
        "manifest", "verify", "manifest.json", "--jwks", "manifest.json", cwd=tmp_path
    )
    assert not_json.returncode == 2
    assert not (tmp_path / "no-data-dir").exists()
