"""Signing and verifying manifests offline: no database, no network, no runtime."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from exchange import clock
from exchange.cli.exit_codes import UNTRUSTED_KEYS, VERIFICATION_FAILED
from exchange.cli.keys import fail_on_domain_error, read_passphrase
from exchange.cli.output import say, say_block
from exchange.errors import ExchangeError
from exchange.keys import jwks, material
from exchange.manifests import signing
from exchange.manifests.statement import Manifest, Receipt, manifest_digest
from exchange.manifests.trust import KeyTrust, assess, combined
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
    """Add the receiver's signed receipt (a flattened JWS in the member "receipt") beside
    the sender's signature; prints the result.

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
        f"  signed by sender {_partner(result.sender.partner_id)} with key "
        f"{result.sender.kid} ({result.sender.alg}) at {clock.iso(result.sender.signed_at)}",
    ]
    if result.receiver is not None and result.receipt is not None:
        receipt = result.receipt.to_json()
        lines.append(
            f"  countersigned by receiver {_partner(result.receiver.partner_id)} with key "
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


def _partner(partner_id: object) -> str:
    return "(the JWKS names no partner_id for this key)" if partner_id is None else str(partner_id)


def _ring(path: Path | None) -> jwks.KeyRing:
    if path is None:
        return jwks.KeyRing()
    try:
        return jwks.parse(read_json(path))
    except ValueError as error:
        raise click.UsageError(f"{path}: {error}") from None


def _trust_line(trust: KeyTrust) -> str:
    if trust.trusted:
        return f"  trusted: the {trust.role}'s key {trust.kid} is {trust.why}"
    return f"  NOT TRUSTED: the {trust.role}'s key {trust.kid}: {trust.why}"


@manifest_group.command(name="verify")
@click.argument("signed_file", type=FILE)
@click.option(
    "--pinned-jwks",
    "pinned_file",
    type=FILE,
    help="A JWKS you trust (e.g. the hub's /.well-known/jwks.json, fetched before).",
)
@click.option(
    "--pin",
    "pins",
    multiple=True,
    help="Trust the key with this RFC 7638 thumbprint (its kid); repeatable.",
)
@click.option(
    "--jwks",
    "jwks_file",
    type=FILE,
    help="More keys, not trusted by themselves (e.g. the jwks.json that came with a bag).",
)
@click.option(
    "--allow-untrusted",
    is_flag=True,
    help="Exit 0 even when a signing key is neither pinned nor in the pinned JWKS.",
)
def verify_command(
    signed_file: Path,
    pinned_file: Path | None,
    pins: tuple[str, ...],
    jwks_file: Path | None,
    allow_untrusted: bool,
) -> None:
    """Check every signature and the payload's canonical form, and say whether each key
    that verified is trusted: in the --pinned-jwks file or pinned with --pin, not merely
    present in --jwks. Exit 0 when all hold and every key is trusted, 1 when a signature
    fails, 11 when a key is not trusted (0 with --allow-untrusted, still saying so)."""
    if pinned_file is None and jwks_file is None:
        raise click.UsageError("give the keys: --pinned-jwks FILE and/or --jwks FILE")
    document = read_json(signed_file)
    pinned = _ring(pinned_file)
    ring = combined(pinned, _ring(jwks_file))
    try:
        result = verify(document, ring, bind_partners=False)
    except SignatureInvalid as error:
        say(f"FAIL {error.reason}", err=True)
        raise SystemExit(VERIFICATION_FAILED) from None
    trusts = assess(
        result,
        pinned=pinned,
        pins=frozenset(pins),
        pinned_source=str(pinned_file),
        other_source=str(jwks_file),
    )
    for line in describe(result) + [_trust_line(t) for t in trusts]:
        say(line)
    untrusted = [t for t in trusts if not t.trusted]
    if untrusted:
        say(
            f"UNTRUSTED: {len(untrusted)} of {len(trusts)} signing keys are neither in a "
            "pinned JWKS nor pinned: the signatures are valid, but by whom is not "
            "established. Give --pinned-jwks FILE or --pin KID for keys you trust"
            + (" (accepted: --allow-untrusted)." if allow_untrusted else "."),
            err=True,
        )
        if not allow_untrusted:
            raise SystemExit(UNTRUSTED_KEYS)
