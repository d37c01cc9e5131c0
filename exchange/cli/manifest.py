"""Signing and verifying manifests offline: no database, no network, no runtime."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from exchange import clock
from exchange.cli.keys import fail_on_domain_error, read_passphrase
from exchange.cli.output import say, say_block
from exchange.errors import ExchangeError
from exchange.keys import jwks, material
from exchange.manifests import signing
from exchange.manifests.statement import Manifest, Receipt, manifest_digest
from exchange.manifests.verify import SignatureInvalid, VerifiedManifest, verify

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        raise click.UsageError(f"{path} is not JSON") from None


def emit(document: dict[str, Any]) -> None:
    say_block(json.dumps(document, indent=2))


@click.group(name="manifest")
def manifest_group() -> None:
    """Signed shipment manifests."""


@manifest_group.command()
@click.argument("manifest_file", type=FILE)
@click.option("--key", "key_file", required=True, type=FILE, help="The sender's PEM key.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the key's passphrase from stdin.")
def sign(manifest_file: Path, key_file: Path, passphrase_stdin: bool) -> None:
    """Sign a manifest as its sender; prints the JWS (general JSON serialization)."""
    passphrase = read_passphrase(passphrase_stdin)
    try:
        manifest = Manifest.from_json(read_json(manifest_file))
        key = material.load_private(key_file.read_bytes(), passphrase)
    except ExchangeError as error:
        raise fail_on_domain_error(error) from None
    emit(signing.sign(manifest, key))


@manifest_group.command()
@click.argument("signed_file", type=FILE)
@click.option("--receipt", "receipt_file", required=True, type=FILE, help="Receipt JSON.")
@click.option("--key", "key_file", required=True, type=FILE, help="The receiver's PEM key.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the key's passphrase from stdin.")
def countersign(
    signed_file: Path, receipt_file: Path, key_file: Path, passphrase_stdin: bool
) -> None:
    """Add the receiver's signature and receipt beside the sender's; prints the result.

    The receipt file is the receipt statement; its manifest_sha256 may be left out, and
    is then filled in from the signed manifest. Verify the sender's signature first
    ('manifest verify')."""
    passphrase = read_passphrase(passphrase_stdin)
    document = read_json(signed_file)
    raw_receipt = read_json(receipt_file)
    try:
        manifest = signing.signed_manifest(document)
        if isinstance(raw_receipt, dict) and "manifest_sha256" not in raw_receipt:
            raw_receipt["manifest_sha256"] = manifest_digest(manifest.canonical())
        receipt = Receipt.from_json(raw_receipt)
        key = material.load_private(key_file.read_bytes(), passphrase)
        emit(signing.countersign(document, receipt, key))
    except ExchangeError as error:
        raise fail_on_domain_error(error) from None


def describe(result: VerifiedManifest) -> list[str]:
    m = result.manifest
    lines = [
        f"OK manifest of shipment {m.shipment_id}: {len(m.items)} items, "
        f"created {m.to_json()['created_at']}, sha256 {result.digest}",
        f"  signed by sender {result.sender.partner_id} with key {result.sender.kid} "
        f"({result.sender.alg}) at {clock.iso(result.sender.signed_at)}",
    ]
    if result.receiver is not None and result.receipt is not None:
        receipt = result.receipt.to_json()
        lines.append(
            f"  countersigned by receiver {result.receiver.partner_id} with key "
            f"{result.receiver.kid} ({result.receiver.alg}) at "
            f"{clock.iso(result.receiver.signed_at)}: received {receipt['received_at']}, "
            f"{len(result.receipt.discrepancies)} discrepancies"
        )
        for d in result.receipt.discrepancies:
            note = f" ({d.note})" if d.note else ""
            lines.append(f"    item {d.item}: expected {d.expected}, received {d.received}{note}")
    else:
        lines.append("  not countersigned by the receiver")
    return lines


@manifest_group.command(name="verify")
@click.argument("signed_file", type=FILE)
@click.option("--jwks", "jwks_file", required=True, type=FILE, help="The partners' JWKS.")
def verify_command(signed_file: Path, jwks_file: Path) -> None:
    """Check every signature and the payload's canonical form; exit 0 only if all hold."""
    document = read_json(signed_file)
    try:
        ring = jwks.parse(read_json(jwks_file))
    except ValueError as error:
        raise click.UsageError(f"{jwks_file}: {error}") from None
    try:
        result = verify(document, ring)
    except SignatureInvalid as error:
        say(f"FAIL {error.reason}", err=True)
        raise SystemExit(1) from None
    for line in describe(result):
        say(line)
