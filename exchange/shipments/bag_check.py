"""Checking a BagIt bag (RFC 8493) before anything in it is believed.

A bag passes when (section numbers of RFC 8493):

- ``bagit.txt`` declares BagIt 0.97 or 1.x and a known tag-file encoding, with no byte-order
  mark (2.1.1); ``data/`` exists (2.1.2); ``fetch.txt`` is absent (we fetch nothing, 2.2.3);
- there is at least one payload manifest ``manifest-<alg>.txt`` (2.1.3), and *every*
  manifest and tag manifest present is read and checked, whatever its algorithm (md5, sha1,
  sha224, sha256, sha384, sha512); a manifest of an algorithm we cannot compute is refused
  rather than skipped; digests are compared without regard to case;
- every payload manifest lists exactly the files under ``data/`` (3), names compared after
  decoding ``%0A``, ``%0D`` and ``%25`` (2.1.3) and after Unicode normalization to NFC, so a
  bag copied through a file system that stores names in NFD still matches (4.2);
- every file, payload or tag, is a regular file: a symbolic link anywhere is refused (it
  could point outside the bag, 5.4); listed paths never leave the bag (2.1.3, 5.4);
- ``bag-info.txt`` and tag manifests are optional; when ``Payload-Oxum`` is present it
  matches (2.2.2).

Anything else raises ``BagRejected`` naming the file. The Library of Congress ``bagit``
package is the independent judge in the tests, not the checker here: it does not decode
``%25``, and it reads through a symbolic link that stays inside the bag. Every payload
file is read once, in parallel worker threads, with all the manifests' algorithms and
SHA-256 at once (the signed manifest states SHA-256, whichever manifests the bag carries).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from anyio import to_thread

from exchange.shipments.bag import BAG_INFO, BAGIT, SIGNED_MANIFEST, decode_path
from exchange.shipments.errors import BagRejected

ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
MANIFEST_NAME = re.compile(r"^(tag)?manifest-([A-Za-z0-9_-]+)\.txt$")
VERSION = re.compile(r"^(0\.97|1\.\d+)$")
NEWLINE = re.compile(r"\r\n|\r|\n")
READ_CHUNK = 4 * 1024 * 1024
HASHING_THREADS = max(2, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class CheckedFile:
    path: str  # as the manifest names it, decoded and NFC: "data/<...>"
    disk: Path  # where it is on disk (its name may be in another normalization form)
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class CheckedBag:
    """A bag whose every file was listed and matched every manifest's checksum."""

    root: Path
    version: str
    payload: dict[str, CheckedFile]
    info: dict[str, list[str]]
    signed_manifest: dict[str, Any]


def nfc(path: str) -> str:
    return unicodedata.normalize("NFC", path)


def _tag_lines(root: Path, name: str, encoding: str) -> list[tuple[str, str]]:
    """``Label: value`` pairs of a tag file; a line starting with whitespace continues the
    value before it (2.2.2)."""
    text = (root / name).read_bytes().decode(encoding).removeprefix("\ufeff")
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(NEWLINE.split(text), 1):
        if not line.strip():
            continue
        if line[0] in " \t" and pairs:
            label, value = pairs[-1]
            pairs[-1] = (label, f"{value} {line.strip()}")
            continue
        label, colon, value = line.partition(":")
        if not colon or not label.strip():
            raise BagRejected(name, f"line {number} is not 'Label: value'")
        pairs.append((label.strip(), value.strip()))
    return pairs


def _declaration(root: Path) -> tuple[str, str]:
    if not (root / BAGIT).is_file():
        raise BagRejected(BAGIT, "missing")
    if (root / BAGIT).read_bytes().startswith(codecs.BOM_UTF8):
        raise BagRejected(BAGIT, "starts with a byte-order mark")
    tags = dict(_tag_lines(root, BAGIT, "utf-8"))
    version = tags.get("BagIt-Version", "")
    if not VERSION.match(version):
        raise BagRejected(BAGIT, f"BagIt-Version {version!r} is not 0.97 or 1.x")
    encoding = tags.get("Tag-File-Character-Encoding", "")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise BagRejected(BAGIT, f"unknown Tag-File-Character-Encoding {encoding!r}") from None
    return version, encoding


def _files(root: Path) -> dict[str, str]:
    """Every regular file of the bag: NFC relative path -> the path as on disk. Refuses
    symbolic links, other special files, and two names equal after normalization."""
    found: dict[str, str] = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = os.path.join(directory, name)
            relative = Path(full).relative_to(root).as_posix()
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                raise BagRejected(relative, "a symbolic link: a bag holds regular files only")
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise BagRejected(relative, "not a regular file")
            key = nfc(relative)
            if key in found:
                raise BagRejected(relative, "two files have this name (Unicode normalization)")
            found[key] = relative
    return found


def _manifest(root: Path, name: str, algorithm: str, encoding: str) -> dict[str, str]:
    """NFC path -> lower-case hex digest, from one (tag) manifest (2.1.3)."""
    length = hashlib.new(algorithm).digest_size * 2
    line_form = re.compile(rf"^([0-9A-Fa-f]{{{length}}})[ \t]+(\S.*)$")
    listed: dict[str, str] = {}
    text = (root / name).read_bytes().decode(encoding).removeprefix("\ufeff")
    for number, line in enumerate(NEWLINE.split(text), 1):
        if not line.strip():
            continue
        match = line_form.match(line)
        if not match:
            raise BagRejected(name, f"line {number} is not '<{algorithm} digest> <path>'")
        path = decode_path(match.group(2))
        parts = PurePosixPath(path).parts
        if path.startswith("/") or any(p in ("..", ".") for p in path.split("/")) or not parts:
            raise BagRejected(name, f"line {number} names {path!r}, outside the bag")
        key = nfc(path)
        if key in listed:
            raise BagRejected(name, f"line {number} lists {path!r} a second time")
        listed[key] = match.group(1).lower()
    return listed


def _digest(disk: Path, algorithms: set[str]) -> tuple[int, dict[str, str]]:
    hashers = {a: hashlib.new(a) for a in algorithms}
    size = 0
    fd = os.open(disk, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            size += len(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    return size, {a: h.hexdigest() for a, h in hashers.items()}


def _check_sync(root: Path) -> CheckedBag:
    if not root.is_dir():
        raise BagRejected(str(root), "not a directory")
    version, encoding = _declaration(root)
    if not (root / "data").is_dir() or (root / "data").is_symlink():
        raise BagRejected("data", "missing: a bag has a data/ directory")
    files = _files(root)
    if "fetch.txt" in files:
        raise BagRejected("fetch.txt", "remote payload files are not fetched: bring them")
    payload_manifests: dict[str, dict[str, str]] = {}
    tag_manifests: dict[str, dict[str, str]] = {}
    algorithm_of: dict[str, str] = {}  # manifest name -> its algorithm
    for key in sorted(k for k in files if "/" not in k):
        match = MANIFEST_NAME.match(key)
        if not match:
            continue
        algorithm = match.group(2).lower()
        if algorithm not in ALGORITHMS:
            raise BagRejected(key, f"algorithm {algorithm!r} cannot be checked here")
        algorithm_of[key] = algorithm
        into = tag_manifests if match.group(1) else payload_manifests
        into[key] = _manifest(root, files[key], algorithm, encoding)
    if not payload_manifests:
        raise BagRejected("manifest-sha512.txt", "missing: a bag has a payload manifest")

    present = {k for k in files if k.startswith("data/")}
    for name, listed in sorted(payload_manifests.items()):
        for path in sorted(listed):
            if not path.startswith("data/"):
                raise BagRejected(name, f"lists {path!r}: payload files live under data/")
        for path in sorted(set(listed) - present):
            raise BagRejected(path, f"missing: listed in {name}")
        for path in sorted(present - set(listed)):
            raise BagRejected(files[path], f"extra: not listed in {name}")
    for name, listed in sorted(tag_manifests.items()):
        for path in sorted(listed):
            if path.startswith("data/") or path not in files:
                raise BagRejected(path, f"listed in {name} but not a tag file of the bag")

    wanted: dict[str, dict[str, tuple[str, str]]] = {}  # path -> alg -> (manifest, digest)
    for group in (payload_manifests, tag_manifests):
        for name, listed in group.items():
            algorithm = algorithm_of[name]
            for path, digest in listed.items():
                wanted.setdefault(path, {})[algorithm] = (name, digest)

    def measure(path: str) -> tuple[str, int, dict[str, str]]:
        algorithms = set(wanted[path]) | ({"sha256"} if path.startswith("data/") else set())
        return (path, *_digest(root / files[path], algorithms))

    with ThreadPoolExecutor(HASHING_THREADS) as pool:
        measured = sorted(pool.map(measure, wanted))
    payload: dict[str, CheckedFile] = {}
    for path, size, digests in measured:
        for algorithm, (name, expected) in sorted(wanted[path].items()):
            if digests[algorithm] != expected:
                raise BagRejected(files[path], f"altered: its {algorithm} does not match {name}")
        if path.startswith("data/"):
            payload[path] = CheckedFile(path, root / files[path], size, digests["sha256"])

    info: dict[str, list[str]] = {}
    if BAG_INFO in files:
        for label, value in _tag_lines(root, files[BAG_INFO], encoding):
            info.setdefault(label, []).append(value)
    oxum = f"{sum(p.size for p in payload.values())}.{len(payload)}"
    for stated in info.get("Payload-Oxum", []):
        if stated != oxum:
            raise BagRejected(BAG_INFO, f"Payload-Oxum says {stated}, found {oxum}")
    if SIGNED_MANIFEST not in files:
        raise BagRejected(SIGNED_MANIFEST, "missing")
    try:
        signed = json.loads((root / files[SIGNED_MANIFEST]).read_bytes())
    except ValueError as error:
        raise BagRejected(SIGNED_MANIFEST, f"not JSON: {error}") from None
    return CheckedBag(root, version, payload, info, signed)


async def check(root: Path) -> CheckedBag:
    """The bag, proved complete and unaltered, or ``BagRejected`` naming the file."""
    return await to_thread.run_sync(_check_sync, root)
