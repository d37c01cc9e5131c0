"""Manifest and receipt statements: exact JSON shape, strict parsing, canonical bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from exchange.errors import ValidationFailed
from exchange.manifests.statement import Manifest, Receipt, manifest_digest
from tests.manifests.samples import manifest, receipt


def test_manifest_round_trips_through_json() -> None:
    original = manifest(4)
    assert Manifest.from_json(json.loads(json.dumps(original.to_json()))) == original


def test_receipt_round_trips_through_json() -> None:
    original = receipt(manifest())
    assert Receipt.from_json(original.to_json()) == original


def test_canonical_bytes_sort_members_and_keep_unicode_unescaped() -> None:
    canonical = manifest(1).canonical()
    assert canonical.startswith(b'{"created_at":"2026-01-10T09:00:00.000000Z","items":[{')
    assert "조선어".encode() in canonical
    assert b" " not in canonical.replace("조선어 문법 0 — Grammar of Korean, vol. 0".encode(), b"")
    assert manifest_digest(canonical) == manifest_digest(manifest(1).canonical())


def broken(change: Any) -> dict[str, Any]:
    value = manifest(2).to_json()
    change(value)
    return value


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda v: v.update(extra=1), "extra", "unknown"),
        (lambda v: v.pop("sender"), "sender", "required"),
        (lambda v: v.update(type="something/else"), "type", "invalid"),
        (lambda v: v.update(sender=v["sender"].upper()), "sender", "invalid"),
        (lambda v: v.update(receiver=v["sender"]), "receiver", "invalid"),
        (lambda v: v.update(created_at="2026-01-10T09:00:00+01:00"), "created_at", "invalid"),
        (lambda v: v.update(items=[]), "items", "required"),
        (lambda v: v["items"][0].update(quantity=1.0), "items[0].quantity", "invalid"),
        (lambda v: v["items"][0].update(quantity=True), "items[0].quantity", "invalid"),
        (lambda v: v["items"][0].update(quantity=0), "items[0].quantity", "out_of_range"),
        (
            lambda v: v["items"][1]["digital"].update(size=2**53),
            "items[1].digital.size",
            "out_of_range",
        ),
        (
            lambda v: v["items"][1]["digital"].update(sha256="AB" * 32),
            "items[1].digital.sha256",
            "invalid",
        ),
        (
            lambda v: v["items"][0]["identifiers"][0].pop("value"),
            "items[0].identifiers[0].value",
            "required",
        ),
        (lambda v: v["items"][0].update(title=" "), "items[0].title", "required"),
    ],
)
def test_manifest_parsing_names_the_bad_field(change: Any, field: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        Manifest.from_json(broken(change))
    assert (field, code) in [(e.field, e.code) for e in caught.value.errors]


def test_receipt_must_match_the_manifest_digest_and_items() -> None:
    m = manifest()
    other = manifest(5)
    bad = Receipt.from_json({**receipt(m).to_json(), "manifest_sha256": "0" * 64})
    with pytest.raises(ValidationFailed) as caught:
        bad.check_against(m)
    assert [e.field for e in caught.value.errors] == ["manifest_sha256"]
    stray = receipt(other).to_json()
    stray["discrepancies"][0]["item"] = str(other.items[4].work_id)
    stray["manifest_sha256"] = manifest_digest(m.canonical())
    with pytest.raises(ValidationFailed) as caught:
        Receipt.from_json(stray).check_against(m)
    assert [e.field for e in caught.value.errors] == ["discrepancies[0].item"]
