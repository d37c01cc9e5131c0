"""Benchmark of checking a BagIt bag before import: ``bag_check.check`` (every manifest,
every file, one read per file in parallel threads, SHA-256 always) against the Library of
Congress validator (``bagit.Bag(...).validate()``, one process) on the same bag.

    .venv/bin/python bench/bag_check.py [--size-mib 512] [--files 8] [--rounds 3] [--quick]

The bag is made by bagit.py with sha256 and sha512 manifests (its default), in a fresh
temporary directory; the page cache is warm for every run and the best of --rounds is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import bagit
import headline

from exchange.shipments import bag_check

MIB = 1024 * 1024


def make(root: Path, size_mib: int, files: int) -> None:
    chunk = os.urandom(MIB)
    for index in range(files):
        folder = root / f"{index:08x}-0000-7000-8000-000000000000"
        folder.mkdir(parents=True)
        with (folder / f"part-{index}.bin").open("wb") as handle:
            for _ in range(size_mib // files):
                handle.write(chunk)
    bagit.make_bag(str(root), checksums=["sha256", "sha512"])
    (root / "signed-manifest.json").write_text(json.dumps({"payload": "", "signatures": []}))


def best(rounds: int, run: object) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="64 MiB in 4 files, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.size_mib, args.files, args.rounds = 64, 4, 2
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "bag"
        root.mkdir()
        make(root, args.size_mib, args.files)
        ours = best(args.rounds, lambda: asyncio.run(bag_check.check(root)))
        theirs = best(args.rounds, lambda: bagit.Bag(str(root)).validate(processes=1))
    total = args.size_mib
    print(f"payload: {total} MiB in {args.files} files, sha256 + sha512; best of {args.rounds}")
    print(f"bag_check.check: {ours:7.3f} s  {total / ours:7.0f} MiB/s")
    print(f"bagit.py:        {theirs:7.3f} s  {total / theirs:7.0f} MiB/s")
    print(f"ratio ours/bagit.py: {ours / theirs:.2f}")
    row = headline.Row(
        f"bag check, {total} MiB, sha256 + sha512", total / ours, "MiB/s", "higher",
        total / theirs, "bagit.py validate, same bag",
    )  # fmt: skip
    headline.emit("bag_check", [row])


if __name__ == "__main__":
    main()
