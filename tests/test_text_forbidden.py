"""``text.FORBIDDEN`` is exactly the complement of XML 1.0's ``Char`` production (§2.2),
checked over every code point (it is written as the excluded ranges, issue 15)."""

from __future__ import annotations

from exchange import text


def xml_char(code: int) -> bool:
    """XML 1.0 §2.2: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def test_forbidden_matches_every_code_point_outside_xml_char_and_no_other() -> None:
    everything = "".join(map(chr, range(0x110000)))
    matched = [m.start() for m in text.FORBIDDEN.finditer(everything)]
    assert matched == [code for code in range(0x110000) if not xml_char(code)]
    assert len(matched) == 2079
