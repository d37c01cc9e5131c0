"""A file of catalogue records: its format, told from its first bytes, and its entries,
read one record at a time."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import BinaryIO

from exchange.catalogue.formats import dublin_core, marc, marc_files, records
from exchange.catalogue.formats.records import Entry
from exchange.errors import ValidationFailed


class Format(StrEnum):
    MARC21 = "marc21"
    MARCXML = "marcxml"
    DC = "dc"


def detect(head: bytes) -> Format:
    """The format of a file from its first bytes (a few kilobytes are plenty)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        if marc.MARC_NS.encode() in head:
            return Format.MARCXML
        if any(
            ns.encode() in head
            for ns in (dublin_core.OAI_DC_NS, dublin_core.DC_NS, dublin_core.SRW_DC_NS)
        ):
            return Format.DC
    elif len(text) >= 24 and text[:5].isdigit() and text[12:17].isdigit():
        return Format.MARC21
    raise ValidationFailed.single(
        "format", "unknown_format", "not MARC21, MARCXML or Dublin Core XML; give --format"
    )


def read(handle: BinaryIO, format: Format) -> Iterator[Entry]:
    """The entries of a file, one record at a time."""
    if format is Format.MARC21:
        entries = marc_files.read_marc21(handle)
    elif format is Format.MARCXML:
        entries = marc_files.read_marcxml(handle)
    else:
        entries = dublin_core.read(handle)
    return map(records.stripped, entries)
