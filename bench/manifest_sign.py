"""Manifest of 10,000 items: canonicalize (RFC 8785), sign (Ed25519 JWS), verify.

Run: .venv/bin/python bench/manifest_sign.py   (target: all three under 1 s in total)
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

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
    for _ in range(ROUNDS):
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
    total = best["sign"] + best["verify"]
    print(f"manifest: {ITEMS} items, {size / 1e6:.2f} MB canonical, best of {ROUNDS} rounds")
    for name, value in best.items():
        print(f"  {name:13} {value * 1000:8.1f} ms")
    print(
        f"  sign+verify   {total * 1000:8.1f} ms (sign includes canonicalization)  target < 1000 ms"
    )


if __name__ == "__main__":
    main()
