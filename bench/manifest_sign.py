"""Manifest of 10,000 items: canonicalize (RFC 8785), sign (Ed25519 JWS), verify.

Run: .venv/bin/python bench/manifest_sign.py [--quick]  (target: all three under 1 s in total)

The reference: the same canonical document written by ``json.dumps`` (sorted keys, no
spaces), signed and verified with the bare Ed25519 key: what signing costs without JWS and
RFC 8785.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, datetime

import headline
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.keys import jwks
from exchange.keys.jwks import PublishedKey
from exchange.manifests import signing
from exchange.manifests.statement import (
    DigitalObject,
    Identifier,
    Manifest,
    ManifestItem,
)
from exchange.manifests.verify import verify
from exchange.signing.instance_key import key_id

ITEMS = 10_000
ROUNDS = 5


def build() -> Manifest:
    items = tuple(
        ManifestItem(
            work_id=uuid.uuid4(),
            identifiers=(Identifier("isbn", f"97800{i:08d}"), Identifier("oclc", str(10**8 + i))),
            title=f"조선말 대사전 제{i}권 — Dictionary of the Korean Language, volume {i}",
            quantity=1 + i % 4,
            format="pdf" if i % 2 else "hardcover",
            digital=DigitalObject(f"objects/{i:08d}.pdf", 1_048_576 + i, f"{i:064x}")
            if i % 2
            else None,
        )
        for i in range(ITEMS)
    )
    return Manifest(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), datetime.now(UTC), items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the same, 3 rounds")
    rounds = 3 if parser.parse_args().quick else ROUNDS
    manifest = build()
    key = Ed25519PrivateKey.generate()
    ring = jwks.parse(
        {
            "keys": [
                jwks.to_jwk(
                    PublishedKey(
                        key_id(key.public_key()),
                        manifest.sender,
                        key.public_key(),
                        manifest.created_at,
                    )
                )
            ]
        }
    )
    best: dict[str, float] = {}
    size = 0
    raw = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        canonical = manifest.canonical()
        t1 = time.perf_counter()
        document = signing.sign(manifest, key)  # canonicalizes again: that is the real cost
        t2 = time.perf_counter()
        result = verify(document, ring)
        t3 = time.perf_counter()
        assert result.manifest == manifest
        size = len(canonical)
        for name, value in (("canonicalize", t1 - t0), ("sign", t2 - t1), ("verify", t3 - t2)):
            best[name] = min(best.get(name, value), value)
        tree = json.loads(canonical)
        t4 = time.perf_counter()
        data = json.dumps(tree, sort_keys=True, separators=(",", ":")).encode()
        key.public_key().verify(key.sign(data), data)
        raw = min(raw, time.perf_counter() - t4)
    total = best["sign"] + best["verify"]
    print(f"manifest: {ITEMS} items, {size / 1e6:.2f} MB canonical, best of {rounds} rounds")
    for name, value in best.items():
        print(f"  {name:13} {value * 1000:8.1f} ms")
    print(
        f"  sign+verify   {total * 1000:8.1f} ms (sign includes canonicalization)  target < 1000 ms"
    )
    print(f"  reference     {raw * 1000:8.1f} ms (json.dumps sorted + bare Ed25519 sign, verify)")
    row = headline.Row(
        f"manifest of {ITEMS:,} items, sign + verify", total * 1000, "ms", "lower",
        raw * 1000, "json.dumps sorted + bare Ed25519 sign and verify",
    )  # fmt: skip
    headline.emit("manifest_sign", [row])


if __name__ == "__main__":
    main()
