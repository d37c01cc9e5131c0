"""Media types told by the first bytes, and licences checked against the short list."""

from __future__ import annotations

import pytest

from exchange.errors import ValidationFailed
from exchange.objects import licences
from exchange.objects.sniffing import sniff

EPUB = b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/epub+zip" + b"\x00" * 10


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm", "video/webm"),
        (EPUB, "application/epub+zip"),
        (b"PK\x03\x04" + b"\x00" * 60, "application/zip"),
        ("고유값 — eigenvalue\n".encode(), "text/plain"),
        ("고유값".encode()[:-1], "text/plain"),  # cut inside a character
        (b"\x00\x01binary", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_media_type_comes_from_the_bytes(head: bytes, media_type: str) -> None:
    assert sniff(head) == media_type


def test_licences_are_spdx_ids_or_named_and_open_ones_need_no_tag() -> None:
    assert licences.parse("cc-by-4.0") == licences.Licence("CC-BY-4.0", True, None)
    assert licences.parse("LicenseRef-TEEAL", "income-eligible") == licences.Licence(
        "LicenseRef-TEEAL", False, "income-eligible"
    )
    for bad, tag in (("CC-BY-9.9", None), ("CC0-1.0", "income-eligible"), ("MIT", "Bad Tag")):
        with pytest.raises(ValidationFailed):
            licences.parse(bad, tag)
