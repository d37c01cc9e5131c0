"""Reading a large file in a child process gives exactly what reading it in-process does."""

from __future__ import annotations

import multiprocessing
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from exchange.catalogue.formats import files, marc, reader
from exchange.catalogue.formats.files import Format
from exchange.catalogue.formats.records import Entry
from tests.catalogue.test_formats import marc21, marc_record


def marcxml(count: int) -> bytes:
    records = [marc_record(f"Record {n}", None) for n in range(count)]
    body = b"".join(ET.tostring(marc.xml_element(r), encoding="utf-8") for r in records)
    return f'<collection xmlns="{marc.MARC_NS}">'.encode() + body + b"</collection>"


def in_process(path: Path, format: Format) -> list[Entry]:
    with path.open("rb") as handle:
        return list(files.read(handle, format))


@pytest.mark.parametrize(
    ("name", "format", "data"),
    [
        ("records.xml", Format.MARCXML, marcxml(450)),  # three batches, the last one short
        ("records.mrc", Format.MARC21, marc21(marc_record("Физика", "0306406152"))),
        ("bomb.xml", Format.MARCXML, b'<!DOCTYPE c [<!ENTITY a "a">]><collection/>'),
    ],
)
def test_the_child_reads_the_entries_the_parent_would(
    tmp_path: Path, name: str, format: Format, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    seen: list[int] = []

    got = list(reader.entries(path, format.value, on_progress=seen.append))

    assert got == in_process(path, format)
    assert seen == sorted(seen)
    assert seen[-1] == len(data)
    assert multiprocessing.active_children() == []


def test_closing_early_stops_the_child(tmp_path: Path) -> None:
    path = tmp_path / "records.xml"
    path.write_bytes(marcxml(3000))  # far more than the pipe holds
    parsed = reader.entries(path, Format.MARCXML.value)

    first = next(parsed)
    parsed.close()

    assert first.position == 1
    assert multiprocessing.active_children() == []


def test_a_file_that_cannot_be_read_is_a_typed_failure(tmp_path: Path) -> None:
    with pytest.raises(reader.ReaderFailed, match="cannot read"):
        list(reader.entries(tmp_path / "missing.xml", Format.MARCXML.value))
