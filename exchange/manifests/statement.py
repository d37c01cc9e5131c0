"""The two signed statements: the manifest (what was sent) and the receipt (what arrived).

``to_json`` gives the JSON value that is canonicalized (RFC 8785) and signed; ``from_json``
accepts exactly that shape and nothing else: unknown or missing members, wrong types, and
out-of-range values are a ``ValidationFailed`` naming the field. Times are RFC 3339 UTC
strings in the ``clock.iso`` form; there are no floats anywhere, so canonical bytes are
the same in every language.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange import clock
from exchange.errors import FieldError, ValidationFailed
from exchange.manifests.reader import Reader
from exchange.messages import N_
from exchange.signing.canonical import canonical_json

MANIFEST_TYPE = "scholarly-exchange/manifest/v1"
RECEIPT_TYPE = "scholarly-exchange/receipt/v1"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer every JSON implementation keeps exact


@dataclass(frozen=True, slots=True)
class Identifier:
    scheme: str
    value: str


@dataclass(frozen=True, slots=True)
class DigitalObject:
    object_id: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ManifestItem:
    work_id: uuid.UUID
    identifiers: tuple[Identifier, ...]
    title: str
    quantity: int
    format: str
    digital: DigitalObject | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    shipment_id: uuid.UUID
    sender: uuid.UUID
    receiver: uuid.UUID
    created_at: datetime
    items: tuple[ManifestItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": MANIFEST_TYPE,
            "shipment_id": str(self.shipment_id),
            "sender": str(self.sender),
            "receiver": str(self.receiver),
            "created_at": clock.iso(self.created_at),
            "items": [_item_json(item) for item in self.items],
        }

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: Any) -> Manifest:
        reader = _StatementReader()
        data = reader.members(
            "",
            value,
            {"type", "shipment_id", "sender", "receiver", "created_at", "items"},
        )
        if data.get("type") != MANIFEST_TYPE:
            reader.fail(
                "type", "invalid", N_("must be {manifest_type}", manifest_type=repr(MANIFEST_TYPE))
            )
        items = reader.array("items", data.get("items"), reader.item, minimum=1)
        manifest = cls(
            shipment_id=reader.uuid("shipment_id", data.get("shipment_id")),
            sender=reader.uuid("sender", data.get("sender")),
            receiver=reader.uuid("receiver", data.get("receiver")),
            created_at=reader.time("created_at", data.get("created_at")),
            items=tuple(items),
        )
        if manifest.sender == manifest.receiver and not reader.errors:
            reader.fail("receiver", "invalid", "the receiver must differ from the sender")
        reader.raise_errors()
        return manifest


@dataclass(frozen=True, slots=True)
class Discrepancy:
    item: uuid.UUID  # the work id of the manifest item
    expected: int
    received: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class Receipt:
    manifest_sha256: str
    received_at: datetime
    discrepancies: tuple[Discrepancy, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": RECEIPT_TYPE,
            "manifest_sha256": self.manifest_sha256,
            "received_at": clock.iso(self.received_at),
            "discrepancies": [
                {
                    "item": str(d.item),
                    "expected": d.expected,
                    "received": d.received,
                    "note": d.note,
                }
                for d in self.discrepancies
            ],
        }

    @classmethod
    def from_json(cls, value: Any) -> Receipt:
        reader = _StatementReader()
        data = reader.members(
            "", value, {"type", "manifest_sha256", "received_at", "discrepancies"}
        )
        if data.get("type") != RECEIPT_TYPE:
            reader.fail(
                "type", "invalid", N_("must be {receipt_type}", receipt_type=repr(RECEIPT_TYPE))
            )
        digest = reader.text("manifest_sha256", data.get("manifest_sha256"))
        if digest and not SHA256_HEX.match(digest):
            reader.fail("manifest_sha256", "invalid", "must be 64 lowercase hex digits")
        receipt = cls(
            manifest_sha256=digest,
            received_at=reader.time("received_at", data.get("received_at")),
            discrepancies=tuple(
                reader.array("discrepancies", data.get("discrepancies"), reader.discrepancy)
            ),
        )
        reader.raise_errors()
        return receipt

    def check_against(self, manifest: Manifest) -> None:
        """The receipt must name the manifest's digest and only items the manifest lists."""
        errors: list[FieldError] = []
        if self.manifest_sha256 != manifest_digest(manifest.canonical()):
            errors.append(FieldError("manifest_sha256", "mismatch", "does not match the manifest"))
        listed = {item.work_id for item in manifest.items}
        for index, d in enumerate(self.discrepancies):
            if d.item not in listed:
                errors.append(
                    FieldError(
                        f"discrepancies[{index}].item", "unknown", "not an item of the manifest"
                    )
                )
        if errors:
            raise ValidationFailed(errors)


def manifest_digest(canonical: bytes) -> str:
    """SHA-256 of the manifest's canonical bytes, as lowercase hex."""
    return hashlib.sha256(canonical).hexdigest()


def _item_json(item: ManifestItem) -> dict[str, Any]:
    result: dict[str, Any] = {
        "work_id": str(item.work_id),
        "identifiers": [{"scheme": i.scheme, "value": i.value} for i in item.identifiers],
        "title": item.title,
        "quantity": item.quantity,
        "format": item.format,
    }
    if item.digital is not None:
        result["digital"] = {
            "object_id": item.digital.object_id,
            "size": item.digital.size,
            "sha256": item.digital.sha256,
        }
    return result


class _StatementReader(Reader):
    """The reader of the statements' own parts; counts are exact JSON integers."""

    def count(self, field: str, value: Any, *, minimum: int) -> int:
        return self.integer(field, value, minimum=minimum, maximum=MAX_SAFE_INTEGER)

    def identifier(self, field: str, value: Any) -> Identifier:
        data = self.members(field, value, {"scheme", "value"})
        return Identifier(
            self.text(f"{field}.scheme", data.get("scheme"), maximum=20),
            self.text(f"{field}.value", data.get("value"), maximum=300),
        )

    def item(self, field: str, value: Any) -> ManifestItem:
        data = self.members(
            field,
            value,
            {"work_id", "identifiers", "title", "quantity", "format"},
            frozenset({"digital"}),
        )
        digital = None
        if "digital" in data:
            where = f"{field}.digital"
            raw = self.members(where, data["digital"], {"object_id", "size", "sha256"})
            sha256 = self.text(f"{where}.sha256", raw.get("sha256"))
            if sha256 and not SHA256_HEX.match(sha256):
                self.fail(f"{where}.sha256", "invalid", "must be 64 lowercase hex digits")
            digital = DigitalObject(
                self.text(f"{where}.object_id", raw.get("object_id"), maximum=300),
                self.count(f"{where}.size", raw.get("size"), minimum=0),
                sha256,
            )
        return ManifestItem(
            work_id=self.uuid(f"{field}.work_id", data.get("work_id")),
            identifiers=tuple(
                self.array(f"{field}.identifiers", data.get("identifiers"), self.identifier)
            ),
            title=self.text(f"{field}.title", data.get("title")),
            quantity=self.count(f"{field}.quantity", data.get("quantity"), minimum=1),
            format=self.text(f"{field}.format", data.get("format"), maximum=50),
            digital=digital,
        )

    def discrepancy(self, field: str, value: Any) -> Discrepancy:
        data = self.members(field, value, {"item", "expected", "received", "note"})
        return Discrepancy(
            item=self.uuid(f"{field}.item", data.get("item")),
            expected=self.count(f"{field}.expected", data.get("expected"), minimum=0),
            received=self.count(f"{field}.received", data.get("received"), minimum=0),
            note=self.text(f"{field}.note", data.get("note"), empty=True),
        )
