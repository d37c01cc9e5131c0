"""BagIt bags (RFC 8493) of digital shipments: the file layout, and writing it.

A bag of shipment S::

    bagit.txt                  BagIt-Version 1.0, UTF-8
    bag-info.txt               Source-Organization, Contact-Name/-Email, External-Identifier: S,
                               Bagging-Date, Payload-Oxum, ... (RFC 8493 section 2.2.2)
    manifest-sha256.txt        one line per payload file: "<sha256>  data/<path>"
    tagmanifest-sha256.txt     the same for every tag file above and below
    signed-manifest.json       the JWS (general JSON serialization) of the shipment
    jwks.json                  the public keys that verify it
    data/<object id>/<filename>

This module only knows files: ``BagWriter.target`` gives the place of a payload file (the
caller fills it, by whatever path is fastest) and ``record`` lists it with its checksum;
``finish`` writes the tag files. ``bag_check`` proves a bag complete and unaltered. Paths
in manifests are percent-encoded as RFC 8493 section 2.1.3 asks (``encode_path``).
Blocking file calls run in worker threads.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
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
BAGIT_TEXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
READ_CHUNK = 4 * 1024 * 1024
ENCODED = re.compile(r"%(0[AaDd]|25)")


@dataclass(frozen=True, slots=True)
class BagReport:
    shipment_id: uuid.UUID
    files: int
    octets: int


def encode_path(path: str) -> str:
    """A path as a manifest line carries it: CR, LF and "%" percent-encoded (RFC 8493
    section 2.1.3), nothing else."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    """The inverse of ``encode_path``; any other "%" is left as it stands."""
    return ENCODED.sub(lambda m: chr(int(m.group(1), 16)), text)


def payload_path(object_id: str, filename: str) -> str:
    """``data/<object id>/<filename>``, the filename reduced to a safe single segment."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename).lstrip(".")
    return f"data/{object_id}/{safe or 'file'}"


@dataclass(frozen=True, slots=True)
class PayloadFile:
    path: str  # relative to the bag, always under data/
    size: int
    sha256: str


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
        """Write the tag files and the tag manifest over them. ``info`` gives bag-info
        fields (RFC 8493 section 2.2.2) before Bagging-Date, Payload-Oxum and
        Bag-Software-Agent, which are added here; a value's line breaks become spaces."""
        octets = sum(p.size for p in self.payload)
        fields = {
            **info,
            "Bagging-Date": clock.now().date().isoformat(),
            "Payload-Oxum": f"{octets}.{len(self.payload)}",
            "Bag-Software-Agent": "Scholarly Exchange",
        }
        texts = {
            BAGIT: BAGIT_TEXT,
            BAG_INFO: "".join(f"{k}: {' '.join(v.split())}\n" for k, v in fields.items()),
            MANIFEST: "".join(
                f"{p.sha256}  {encode_path(p.path)}\n"
                for p in sorted(self.payload, key=lambda p: p.path)
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
                lines.append(f"{hashlib.sha256(data).hexdigest()}  {encode_path(name)}\n")
            (self.root / TAG_MANIFEST).write_text("".join(lines), "utf-8")

        await to_thread.run_sync(write)


async def read(path: Path) -> AsyncIterable[bytes]:
    """A payload file's bytes, in chunks; a symbolic link put in its place is refused
    (``OSError``)."""

    def open_regular() -> BinaryIO:
        return os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")

    handle: BinaryIO = await to_thread.run_sync(open_regular)
    try:
        while chunk := await to_thread.run_sync(handle.read, READ_CHUNK):
            yield chunk
    finally:
        handle.close()
