"""Reading XML with the C parser while refusing document type declarations."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from exchange.catalogue.formats import xmlevents

DOC = '<?xml version="1.0" encoding="{encoding}"?>{dtd}<c><r>Ко</r><r>학</r></c>'
BOMB = '<!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'


def tags(data: bytes) -> list[tuple[str, str]]:
    return [(event, element.tag) for event, element in xmlevents.events(io.BytesIO(data))]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_documents_are_read_as_start_and_end_events(encoding: str) -> None:
    data = DOC.format(encoding=encoding, dtd="").encode(encoding)
    assert tags(data) == [
        ("start", "c"),
        ("start", "r"),
        ("end", "r"),
        ("start", "r"),
        ("end", "r"),
        ("end", "c"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_document_type_declaration_is_refused_before_anything_is_read(encoding: str) -> None:
    data = DOC.format(encoding=encoding, dtd=BOMB).encode(encoding)
    reader = xmlevents.events(io.BytesIO(data))
    with pytest.raises(xmlevents.DTDForbidden):
        next(reader)


def test_a_declaration_cut_by_a_chunk_boundary_is_still_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xmlevents, "CHUNK", 3)  # "<!DOCTYPE" arrives in pieces
    data = DOC.format(encoding="utf-8", dtd=BOMB).encode()
    with pytest.raises(xmlevents.DTDForbidden):
        list(xmlevents.events(io.BytesIO(data)))


def test_a_declaration_after_the_root_started_is_malformed_xml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xmlevents, "CHUNK", 4)  # the root starts before the DOCTYPE comes
    data = b"<c><r>x</r>" + BOMB.encode() + b"</c>"
    with pytest.raises(ET.ParseError):
        list(xmlevents.events(io.BytesIO(data)))


def test_an_undeclared_entity_is_malformed_xml() -> None:
    with pytest.raises(ET.ParseError):
        list(xmlevents.events(io.BytesIO(b"<c>&a;</c>")))
