"""Files of MARC records: transmission format (ISO 2709) and MARCXML, read one record at
a time into entries (``marc_read.entry`` maps each record).

A malformed record costs only itself: transmission files are split at record terminators
rather than by the lengths leaders claim, and a MARCXML document that stops parsing is
read again record by record (``_salvage``).
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

from defusedxml import ElementTree as defused
from pymarc import Field, Indicators, Leader, Record, Subfield
from pymarc.exceptions import PymarcException

from exchange.catalogue.formats import xmlevents
from exchange.catalogue.formats.marc import MARC_NS
from exchange.catalogue.formats.marc_read import entry
from exchange.catalogue.formats.records import Entry

RECORD_TAGS = (f"{{{MARC_NS}}}record", "record")
TERMINATOR = b"\x1d"
CHUNK = 64 * 1024


def _raw_records(handle: BinaryIO) -> Iterator[bytes]:
    """The records of a transmission-format file, split at their terminators (0x1D), not
    by the lengths their leaders claim: a wrong length then costs its own record, not the
    rest of the file (marc4j's permissive reader does the same)."""
    rest = b""
    while chunk := handle.read(CHUNK):
        *whole, rest = (rest + chunk).split(TERMINATOR)
        yield from (raw + TERMINATOR for raw in whole if raw.strip())
    if rest.strip():
        yield rest  # the last record lost its terminator


def read_marc21(handle: BinaryIO) -> Iterator[Entry]:
    """Entries of a file of MARC transmission-format records, one record in memory."""
    for position, raw in enumerate(_raw_records(handle), 1):
        try:
            record = Record(raw, to_unicode=True, hide_utf8_warnings=True, utf8_handling="replace")
        except (PymarcException, ValueError, IndexError) as error:  # UnicodeError is a ValueError
            problem = f"unreadable record: {type(error).__name__}"
            yield Entry(position, f"record {position}", None, problem)
            continue
        read = entry(position, record)
        stated = raw[:5]
        if read.draft is not None and (not stated.isdigit() or int(stated) != len(raw)):
            length = f"record length: the leader says {stated.decode('ascii', 'replace')!r}"
            read = dataclasses.replace(
                read, warnings=(f"{length}, the record has {len(raw)}", *read.warnings)
            )
        yield read


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def record_of(element: ET.Element) -> Record:
    """A pymarc record from a MARCXML ``record`` element (namespaced or not)."""
    record = Record(force_utf8=True)
    for child in element:
        name = _local(child.tag)
        if name == "leader" and child.text:
            record.leader = Leader(child.text.ljust(24)[:24])
        elif name == "controlfield":
            record.fields.append(Field(tag=child.get("tag", ""), data=child.text or ""))
        elif name == "datafield":
            subfields = [
                Subfield(code=s.get("code", ""), value=s.text or "")
                for s in child
                if _local(s.tag) == "subfield"
            ]
            indicators = Indicators(child.get("ind1", " ") or " ", child.get("ind2", " ") or " ")
            record.fields.append(
                Field(tag=child.get("tag", ""), indicators=indicators, subfields=subfields)
            )
    return record


def read_marcxml(handle: BinaryIO) -> Iterator[Entry]:
    """Entries of a MARCXML file, parsed incrementally: each ``record`` element is cleared
    (and dropped from its parent) once read. DTDs and entities are refused. A malformed
    record does not end the file: when the handle can seek, the rest is read record by
    record (``_salvage``) and the bad one reported as unreadable."""
    position = 0
    root: ET.Element | None = None
    try:
        for event, element in xmlevents.events(handle):
            if event == "start":
                root = element if root is None else root
                continue
            if element.tag not in RECORD_TAGS:
                continue
            position += 1
            yield entry(position, record_of(element))
            element.clear()
            if root is not None and root is not element:
                root.clear()
    except xmlevents.DTDForbidden as error:
        yield Entry(position + 1, f"record {position + 1}", None, f"malformed XML: {error}")
    except ET.ParseError as error:
        if not handle.seekable():
            yield Entry(position + 1, f"record {position + 1}", None, f"malformed XML: {error}")
            return
        handle.seek(0)
        yield from _salvage(handle.read(), position)


RECORD_CHUNK = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?record)\b[^>]*>.*?</\1\s*>", re.DOTALL)
RECORD_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?record[\s>]")
NAMESPACE = re.compile(rb"""xmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*("[^"]*"|'[^']*')""")


def _salvage(data: bytes, done: int) -> Iterator[Entry]:
    """The records of a malformed MARCXML document after the first ``done``, each parsed
    on its own (inside an element declaring the namespaces the document declares before
    its first record); one that does not parse is reported as unreadable. Reads the whole
    file: only a malformed file comes here."""
    chunks = list(RECORD_CHUNK.finditer(data))
    head = data[: chunks[0].start()] if chunks else data
    declared = {m.group().split(b"=")[0].strip(): m.group() for m in NAMESPACE.finditer(head)}
    wrapper = b"<salvaged " + b" ".join(declared.values()) + b">"
    for position, chunk in enumerate(chunks[done:], done + 1):
        try:
            element = defused.fromstring(wrapper + chunk.group() + b"</salvaged>")[0]
        except (ET.ParseError, ValueError) as error:  # defusedxml refuses with ValueError
            label = f"record {position}"
            yield Entry(position, label, None, f"malformed XML: {error}")
            continue
        yield entry(position, record_of(element))
    rest = data[chunks[-1].end() :] if chunks else data
    if RECORD_START.search(rest):  # a record the document ends inside
        position = max(len(chunks), done) + 1
        yield Entry(position, f"record {position}", None, "malformed XML: unclosed record")
