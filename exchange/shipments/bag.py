"""BagIt bags (RFC 8493) of digital shipments: the file layout, written and checked.

A bag of shipment S::

    bagit.txt                  BagIt-Version 1.0, UTF-8
    bag-info.txt               Bagging-Date, Payload-Oxum, External-Identifier: S, ...
    manifest-sha256.txt        one line per payload file: "<sha256>  data/<path>"
    tagmanifest-sha256.txt     the same for every tag file above and below
    signed-manifest.json       the JWS (general JSON serialization) of the shipment
    jwks.json                  the public keys that verify it
    data/<object id>/<filename>

This module only knows files: ``BagWriter.target`` gives the place of a payload file (the
caller fills it, by whatever path is fastest) and ``record`` lists it with its checksum;
``finish`` writes the tag files, and ``check`` proves a bag complete and unaltered (every
file listed, nothing extra, every checksum right) or raises ``BagRejected`` naming the
file. Blocking file calls run in worker threads.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from anyio import to_thread

from exchange import clock
from exchange.shipments.errors import BagRejected

BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SIGNED_MANIFEST = "signed-manifest.json"
JWKS = "jwks.json"
TAG_FILES = (BAGIT, BAG_INFO, MANIFEST, SIGNED_MANIFEST, JWKS)
BAGIT_TEXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
READ_CHUNK = 4 * 1024 * 1024
LINE = re.compile(r"^([0-9a-f]{64})[ \t]+(\S.*)$")


def payload_path(object_id: str, filename: str) -> str:
    """``data/<object id>/<filename>``, the filename reduced to a safe single segment."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename).lstrip(".")
    return f"data/{object_id}/{safe or 'file'}"


@dataclass(frozen=True, slots=True)
class PayloadFile:
    path: str  # relative to the bag, always under data/
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class CheckedBag:
    """A bag whose every file was listed and matched its checksum."""

    root: Path
    payload: dict[str, PayloadFile]
    info: dict[str, str]
    signed_manifest: dict[str, Any]
    jwks: dict[str, Any]


class BagWriter:
    """Writes a bag into an empty (or new) directory."""

    def __init__(self, root: Path) -> None:
        if root.exists() and any(root.iterdir()):
            raise BagRejected(str(root), "the bag directory must be empty")
        self.root = root
        self.payload: list[PayloadFile] = []

    async def target(self, path: str) -> Path:
        """Where the payload file ``path`` goes (its directory made); fill it, then
        ``record`` it."""
        target = self.root / path
        await to_thread.run_sync(lambda: target.parent.mkdir(parents=True, exist_ok=True))
        return target

    def record(self, written: PayloadFile) -> None:
        """List a filled payload file in the manifest with the checksum the caller vouches
        for (the exporter states the signed manifest's, proved at upload and by fixity)."""
        self.payload.append(written)

    async def finish(
        self, signed_manifest: dict[str, Any], jwks: dict[str, Any], info: dict[str, str]
    ) -> None:
        """Write the tag files and the tag manifest over them."""
        octets = sum(p.size for p in self.payload)
        fields = {
            "Bagging-Date": clock.now().date().isoformat(),
            "Payload-Oxum": f"{octets}.{len(self.payload)}",
            "Bag-Software-Agent": "Scholarly Exchange",
            **info,
        }
        texts = {
            BAGIT: BAGIT_TEXT,
            BAG_INFO: "".join(f"{k}: {v}\n" for k, v in fields.items()),
            MANIFEST: "".join(
                f"{p.sha256}  {p.path}\n" for p in sorted(self.payload, key=lambda p: p.path)
            ),
            SIGNED_MANIFEST: json.dumps(signed_manifest, indent=2) + "\n",
            JWKS: json.dumps(jwks, indent=2) + "\n",
        }

        def write() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            lines = []
            for name, text in texts.items():
                data = text.encode("utf-8")
                (self.root / name).write_bytes(data)
                lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
            (self.root / TAG_MANIFEST).write_text("".join(lines), "utf-8")

        await to_thread.run_sync(write)


def _hash_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _listing(root: Path, name: str) -> dict[str, str]:
    """path -> sha256 from a manifest file."""
    source = root / name
    if not source.is_file():
        raise BagRejected(name, "missing")
    listed: dict[str, str] = {}
    for number, line in enumerate(source.read_text("utf-8").splitlines(), 1):
        match = LINE.match(line)
        if not match:
            raise BagRejected(name, f"line {number} is not '<sha256> <path>'")
        path = match.group(2)
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or path in listed:
            raise BagRejected(name, f"line {number} names {path!r} badly or twice")
        listed[path] = match.group(1)
    return listed


def _check_sync(root: Path) -> CheckedBag:
    if not root.is_dir():
        raise BagRejected(str(root), "not a directory")
    if not (root / BAGIT).is_file():
        raise BagRejected(BAGIT, "missing")
    if "BagIt-Version: 1." not in (root / BAGIT).read_text("utf-8"):
        raise BagRejected(BAGIT, "not a BagIt 1.x declaration")
    tags = _listing(root, TAG_MANIFEST)
    for name in TAG_FILES:
        if name not in tags:
            raise BagRejected(name, f"not listed in {TAG_MANIFEST}")
    for name, expected in sorted(tags.items()):
        if not (root / name).is_file():
            raise BagRejected(name, "missing")
        if _hash_file(root / name)[1] != expected:
            raise BagRejected(name, "its SHA-256 does not match the tag manifest")
    listed = _listing(root, MANIFEST)
    present = {
        p.relative_to(root).as_posix() for p in (root / "data").rglob("*") if p.is_file()
    } if (root / "data").is_dir() else set()  # fmt: skip
    for path in sorted(present - set(listed)):
        raise BagRejected(path, f"extra: not listed in {MANIFEST}")
    for path in sorted(set(listed) - present):
        raise BagRejected(path, "missing")
    payload: dict[str, PayloadFile] = {}
    for path, expected in sorted(listed.items()):
        if not path.startswith("data/"):
            raise BagRejected(path, "payload files live under data/")
        size, sha256 = _hash_file(root / path)
        if sha256 != expected:
            raise BagRejected(path, "altered: its SHA-256 does not match the manifest")
        payload[path] = PayloadFile(path, size, sha256)
    info = {}
    for line in (root / BAG_INFO).read_text("utf-8").splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    oxum = f"{sum(p.size for p in payload.values())}.{len(payload)}"
    if info.get("Payload-Oxum", oxum) != oxum:
        raise BagRejected(BAG_INFO, f"Payload-Oxum says {info['Payload-Oxum']}, found {oxum}")
    try:
        signed = json.loads((root / SIGNED_MANIFEST).read_text("utf-8"))
        keys = json.loads((root / JWKS).read_text("utf-8"))
    except ValueError as error:
        raise BagRejected(SIGNED_MANIFEST, f"not JSON: {error}") from None
    return CheckedBag(root, payload, info, signed, keys)


async def check(root: Path) -> CheckedBag:
    """The bag, proved complete and unaltered, or ``BagRejected`` naming the file."""
    return await to_thread.run_sync(_check_sync, root)


async def read(path: Path) -> AsyncIterable[bytes]:
    """A payload file's bytes, in chunks."""
    handle: BinaryIO = await to_thread.run_sync(path.open, "rb")
    try:
        while chunk := await to_thread.run_sync(handle.read, READ_CHUNK):
            yield chunk
    finally:
        handle.close()
