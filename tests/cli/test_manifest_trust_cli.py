"""``manifest verify`` says whose keys it trusted: pinned ones (``--pinned-jwks``, ``--pin``)
or keys that merely came with the document (``--jwks``), and reads a plain RFC 7517 JWKS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.manifests import signing
from tests.cli.test_manifest_cli import offline
from tests.manifests.samples import SENDER, SIGNED, Party, jwks_document, manifest, parties

WARNING = (
    "UNTRUSTED: 1 of 1 signing keys are neither in a pinned JWKS nor pinned: the "
    "signatures are valid, but by whom is not established. Give --pinned-jwks FILE or "
    "--pin KID for keys you trust"
)


def write(folder: Path, name: str, value: Any) -> str:
    (folder / name).write_text(json.dumps(value))
    return name


def test_keys_that_came_with_the_document_are_not_trusted_unless_pinned(tmp_path: Path) -> None:
    sender, _receiver = parties()
    impostor = Party(SENDER, Ed25519PrivateKey.generate())  # re-signs, adds his key
    genuine = write(tmp_path, "genuine.json", signing.sign(manifest(), sender.key))
    forged = write(tmp_path, "forged.json", signing.sign(manifest(), impostor.key))
    pinned = write(tmp_path, "pinned.json", jwks_document(sender))
    carried = write(tmp_path, "bag-jwks.json", jwks_document(sender, impostor))
    not_trusted = (
        f"  NOT TRUSTED: the sender's key {impostor.kid}: it came only with bag-jwks.json, "
        "which whoever signs or re-signs the document can edit"
    )

    alone = offline("manifest", "verify", forged, "--jwks", carried, cwd=tmp_path)
    assert (alone.returncode, alone.stdout.splitlines()[-1]) == (11, not_trusted)
    assert alone.stderr == WARNING + ".\n"
    beside = offline(
        "manifest", "verify", forged, "--pinned-jwks", pinned, "--jwks", carried, cwd=tmp_path
    )
    assert (beside.returncode, beside.stdout.splitlines()[-1]) == (11, not_trusted)
    accepted = offline(
        "manifest", "verify", forged, "--jwks", carried, "--allow-untrusted", cwd=tmp_path
    )
    assert (accepted.returncode, accepted.stdout.splitlines()[-1]) == (0, not_trusted)
    assert accepted.stderr == WARNING + " (accepted: --allow-untrusted).\n"

    by_file = offline("manifest", "verify", genuine, "--pinned-jwks", pinned, cwd=tmp_path)
    assert (by_file.returncode, by_file.stderr) == (0, "")
    assert by_file.stdout.splitlines()[-1] == (
        f"  trusted: the sender's key {sender.kid} is in the pinned JWKS pinned.json"
    )
    by_pin = offline(
        "manifest", "verify", genuine, "--jwks", carried, "--pin", sender.kid, cwd=tmp_path
    )
    assert (by_pin.returncode, by_pin.stderr) == (0, "")
    assert by_pin.stdout.splitlines()[-1] == (
        f"  trusted: the sender's key {sender.kid} is pinned by its thumbprint (--pin)"
    )
    no_keys = offline("manifest", "verify", genuine, cwd=tmp_path)
    assert no_keys.returncode == 2
    assert "give the keys: --pinned-jwks FILE and/or --jwks FILE" in no_keys.stderr


def test_a_plain_rfc_7517_jwks_is_read_and_a_missing_member_is_named(tmp_path: Path) -> None:
    sender, _receiver = parties()
    genuine = write(
        tmp_path, "genuine.json", signing.sign(manifest(), sender.key, signed_at=SIGNED)
    )
    [ours] = jwks_document(sender)["keys"]
    plain = write(tmp_path, "plain.json", {"keys": [{k: ours[k] for k in ("kty", "crv", "x")}]})
    result = offline("manifest", "verify", genuine, "--pinned-jwks", plain, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[1] == (
        f"  signed by sender (the JWKS names no partner_id for this key) with key "
        f"{sender.kid} (EdDSA) at 2026-01-10T10:00:00.000000Z"
    )
    assert "badly formed" not in result.stdout + result.stderr

    without_x = write(
        tmp_path, "no-x.json", {"keys": [{k: ours[k] for k in ("kty", "crv", "kid")}]}
    )
    refused = offline("manifest", "verify", genuine, "--pinned-jwks", without_x, cwd=tmp_path)
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        10,
        "",
        f"FAIL key {sender.kid} in the JWKS is not usable: the 'x' member is missing "
        "(RFC 8037 section 2)\n",
    )
