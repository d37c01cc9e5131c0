"""A bundle on disk: a BagIt bag (RFC 8493), compressed as ``.tar.gz``.

::

    bundle-<id>/bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    bundle-<id>/signed-manifest.json   flattened JWS (RFC 7515 section 7.2.2), alg EdDSA,
                                       kid instance:<thumbprint> of the sending instance
    bundle-<id>/jwks.json              the sender's instance key (informative only)
    bundle-<id>/data/changes.jsonl     one change per line
    bundle-<id>/data/objects/<sha256>  the bytes of digital objects the peer does not hold

The JWS payload is the canonical JSON (RFC 8785) of ``{"header": ..., "payload": {path:
sha256}}``: the header (sender, addressee, ranges per origin, acknowledgements) and the
payload manifest are signed together, so a bag whose files match its own manifests but
not the signed one, or a header moved to another bag, is refused. Reading checks, in
order: the archive is whole and safe to unpack (tarfile's ``data`` filter), the bag is
complete (``exchange.shipments.bag_check``), the signature is by the key registered for
the sender, the signed manifest names exactly the bag's payload.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio import to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from exchange.shipments import bag, bag_check
from exchange.shipments.errors import BagRejected
from exchange.signing import jws
from exchange.signing.canonical import canonical_json
from exchange.signing.instance_key import instance_jwk, instance_kid
from exchange.sync.errors import BundleRefused

CHANGES = "data/changes.jsonl"
FORMAT = "exchange-sync/1"


OBJECTS = "data/objects/"


@dataclass(frozen=True, slots=True)
class Opened:
    header: dict[str, Any]
    changes: list[dict[str, Any]]
    size: int
    objects: dict[str, Path]  # sha256 -> the file, in the caller's scratch directory


@dataclass(frozen=True, slots=True)
class ObjectFile:
    """An object's bytes to carry: ``fill(target)`` writes them to the local file."""

    sha256: str
    size: int
    fill: Callable[[Path], Awaitable[None]]


def encode_changes(changes: list[dict[str, Any]]) -> bytes:
    return b"".join(
        json.dumps(c, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
        for c in changes
    )


async def write(
    target: Path,
    header: dict[str, Any],
    changes: list[dict[str, Any]],
    key: Ed25519PrivateKey,
    objects: list[ObjectFile] = [],  # noqa: B006 - read only
) -> int:
    """Write the bundle to ``target`` (a ``.tar.gz``); its size in bytes."""
    data = encode_changes(changes)
    sha = hashlib.sha256(data).hexdigest()
    listed = {CHANGES: sha, **{OBJECTS + o.sha256: o.sha256 for o in objects}}
    statement = {"header": {**header, "format": FORMAT}, "payload": listed}
    signed = jws.sign_flattened(
        canonical_json(statement), jws.Signer(key, instance_kid(key.public_key()))
    )
    with tempfile.TemporaryDirectory(prefix="bundle-") as scratch:
        root = Path(scratch) / f"bundle-{header['bundle_id']}"
        writer = bag.BagWriter(root)
        path = await writer.target(CHANGES)
        await to_thread.run_sync(path.write_bytes, data)
        writer.record(bag.PayloadFile(CHANGES, len(data), sha))
        for carried in objects:
            await carried.fill(await writer.target(OBJECTS + carried.sha256))
            writer.record(bag.PayloadFile(OBJECTS + carried.sha256, carried.size, carried.sha256))
        await writer.finish(
            signed,
            {"keys": [instance_jwk(key.public_key())]},
            {
                "External-Identifier": str(header["bundle_id"]),
                "Source-Organization": str(header["from"]),
            },
        )

        def pack() -> int:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
                archive.add(root, arcname=root.name)
            partial.replace(target)
            return target.stat().st_size

        return await to_thread.run_sync(pack)


def _unpack(source: Path, into: Path) -> Path:
    try:
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BundleRefused(f"not a readable bundle archive ({error})") from None
    tops = list(into.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():
        raise BundleRefused("the archive must hold exactly one bag directory")
    return tops[0]


KeyFor = Callable[[str], tuple[str, Ed25519PublicKey]]


async def read(source: Path, key_for: KeyFor, scratch: Path) -> Opened:
    """Open and prove the bundle at ``source``, unpacked into the empty directory
    ``scratch`` (the caller removes it when done with the objects). ``key_for(sender id)``
    returns the registered (kid, key) of the sending peer or raises ``BundleRefused``. Any
    failure is ``BundleRefused`` with the reason."""
    size = (await to_thread.run_sync(source.stat)).st_size
    root = await to_thread.run_sync(_unpack, source, scratch)
    try:
        checked = await bag_check.check(root)
    except BagRejected as error:
        raise BundleRefused(f"bag incomplete or altered: {error.message}") from None
    document = checked.signed_manifest
    try:
        unverified = json.loads(jws.strict_b64url_decode(str(document.get("payload", ""))))
        sender = str(unverified["header"]["from"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BundleRefused("the signed manifest does not name its sender") from None
    kid, key = key_for(sender)

    def resolve(found: str, _header: dict[str, Any]) -> Ed25519PublicKey:
        if found != kid:
            raise jws.SignatureInvalid(f"signed by {found}, not by peer {sender}'s key {kid}")
        return key

    try:
        payload, _ = jws.verify_flattened(document, resolve)
    except jws.SignatureInvalid as error:
        raise BundleRefused(f"signature: {error.reason}") from None
    statement = json.loads(payload)
    header, listed = statement.get("header"), statement.get("payload")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BundleRefused(f"not a {FORMAT} bundle")
    actual = {path: f.sha256 for path, f in checked.payload.items()}
    if listed != actual:
        raise BundleRefused("the bag's payload is not the payload the sender signed")
    if CHANGES not in checked.payload:
        raise BundleRefused(f"no {CHANGES}")
    text = await to_thread.run_sync(checked.payload[CHANGES].disk.read_bytes)
    objects = {}
    for path, found in checked.payload.items():
        if path == CHANGES:
            continue
        if not path.startswith(OBJECTS) or path[len(OBJECTS) :] != found.sha256:
            raise BundleRefused(f"{path} is not an object named by its SHA-256")
        objects[found.sha256] = found.disk
    try:
        changes = [json.loads(line) for line in text.splitlines() if line]
    except ValueError:
        raise BundleRefused("changes are not JSON lines") from None
    return Opened(header, changes, size, objects)
