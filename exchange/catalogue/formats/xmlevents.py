"""Start and end events of an XML document, read incrementally with the C parser, with
document type declarations (and so every entity declaration) refused.

defusedxml refuses DTDs by swapping in ElementTree's pure-Python parser, whose per-tag
callbacks cost about half of a MARCXML import's parsing time. A DTD can only stand in the
prolog, before the root element: that is where this module looks for one, in the bytes
it has not yet handed to the (C) parser; anywhere later, expat itself rejects it as
malformed. Documents in UTF-16 or UTF-32 (rare: MARCXML is UTF-8) are not scanned as
bytes and go through defusedxml instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO, cast

from defusedxml.ElementTree import iterparse

CHUNK = 64 * 1024
WIDE = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # byte-order marks of UTF-16/32


class DTDForbidden(ValueError):
    """The document declares a document type; nothing of it is read."""


def events(handle: BinaryIO) -> Iterator[tuple[str, ET.Element]]:
    """("start" | "end", element) pairs; raises ``ET.ParseError`` for malformed XML and
    ``DTDForbidden`` for a document type declaration."""
    first = handle.read(CHUNK)
    if first.startswith(WIDE) or b"\x00" in first[:4]:
        yield from _defused(first, handle)
        return
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(("start", "end"))
    prolog: bytes | None = b""  # what was read before the root element started
    chunk = first
    while chunk:
        if prolog is not None:
            prolog += chunk
            if b"<!DOCTYPE" in prolog:
                raise DTDForbidden("document type declarations are not accepted")
        parser.feed(chunk)
        for pair in parser.read_events():
            prolog = None
            yield cast(tuple[str, ET.Element], pair)
        chunk = handle.read(CHUNK)
    parser.close()
    for pair in parser.read_events():
        yield cast(tuple[str, ET.Element], pair)


def _defused(first: bytes, handle: BinaryIO) -> Iterator[tuple[str, ET.Element]]:
    class Rest:
        """The handle with its first chunk put back."""

        def __init__(self) -> None:
            self.head = first

        def read(self, size: int = -1) -> bytes:
            if self.head:
                head, self.head = self.head, b""
                return head
            return handle.read(size)

    try:
        yield from iterparse(Rest(), ("start", "end"), forbid_dtd=True)
    except ValueError as error:  # defusedxml's refusals
        raise DTDForbidden(str(error)) from error
