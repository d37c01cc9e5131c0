"""Text that crosses into the domain: one rule, used by every adapter.

Every string a caller gives (GraphQL argument, command-line option, imported record) is
checked here before a service acts on it:

* characters that XML 1.0 forbids are refused (W3C XML 1.0, 5th ed., §2.2 ``Char``: only
  TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF are allowed). That rule
  also excludes NUL (which PostgreSQL cannot store in ``text``) and lone surrogates (which
  no UTF-8 encoder accepts), so what is stored can always be written as XML and UTF-8;
* text is normalised to NFC (Unicode Standard Annex #15), so one title typed on two
  keyboards is one title;
* lengths are bounded, in code points after normalisation (the bounds below).

Importers strip instead of refusing (``strip``) and report the record. Writers of XML and
of terminal output filter again (``for_xml``, ``for_terminal``), for data stored before
this rule existed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from exchange.errors import FieldError, ValidationFailed
from exchange.messages import N_

if TYPE_CHECKING:  # only the catalogue's formats build XML (issue 15)
    import xml.etree.ElementTree as ET

# Bounds, in code points. A field with no bound of its own is held to MAX_ANY.
MAX_ANY = 10_000
MAX_SEARCH = 500
MAX_NAME = 300
MAX_TITLE = 500
MAX_NOTE = 5_000
MAX_EMAIL = 254  # RFC 5321 §4.5.3.1.3: a forward path is at most 256 octets with its <>
MAX_PASSWORD = 1_024

# The complement of XML 1.0's Char (§2.2): #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF]. Written as the characters it excludes: the same set, compiled in
# 0.4 ms where the negated class of the allowed ranges took 11 ms at every start (issue 15).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Control characters (C0, DEL, C1) and the bidirectional overrides and isolates that can
# reorder or rewrite what a terminal shows (CVE-2021-42574, "Trojan Source").
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def problems(
    value: str, field: str, *, limit: int = MAX_ANY, normalise: bool = True
) -> tuple[str, list[FieldError]]:
    """The normal form of ``value`` and what is wrong with it, as ``FieldError``s naming
    ``field`` (codes ``forbidden_character`` and ``too_long``). Text far above the bound is
    refused without being normalised, so its cost stays linear in the bound."""
    if len(value) > 4 * limit:
        return value, [FieldError(field, "too_long", N_("at most {limit} characters", limit=limit))]
    found = FORBIDDEN.search(value)
    if found is not None:
        message = N_(
            "{character} at position {position} is not allowed in text (XML 1.0 characters only)",
            character=_describe(found.group()),
            position=found.start(),
        )
        return value, [FieldError(field, "forbidden_character", message)]
    if normalise and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if len(value) > limit:
        return value, [FieldError(field, "too_long", N_("at most {limit} characters", limit=limit))]
    return value, []


def check(value: str, field: str, errors: list[FieldError], *, limit: int = MAX_ANY) -> str:
    """``value`` in NFC; its problems are appended to ``errors``."""
    normal, found = problems(value, field, limit=limit)
    errors.extend(found)
    return normal


def checked(value: str, field: str, *, limit: int = MAX_ANY, normalise: bool = True) -> str:
    """``value`` in NFC (unless ``normalise`` is false: passwords). Raises ``ValidationFailed``
    naming ``field`` when it has a forbidden character or is longer than ``limit``."""
    normal, found = problems(value, field, limit=limit, normalise=normalise)
    if found:
        raise ValidationFailed(found)
    return normal


def checked_optional(value: str | None, field: str, *, limit: int = MAX_ANY) -> str | None:
    return None if value is None else checked(value, field, limit=limit)


def strip(value: str) -> tuple[str, int]:
    """``value`` without its forbidden characters, in NFC, and how many were removed (for
    importers, which keep the record and report it)."""
    cleaned, removed = FORBIDDEN.subn("", value)
    if not unicodedata.is_normalized("NFC", cleaned):
        cleaned = unicodedata.normalize("NFC", cleaned)
    return cleaned, removed


def for_xml(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids (for writers of XML)."""
    return FORBIDDEN.sub("", value)


def xml_safe(root: ET.Element) -> ET.Element:
    """``root``, changed in place: every text, tail and attribute value without the
    characters XML 1.0 forbids (the one filter of every XML writer: OAI-PMH, MARCXML, DC)."""
    for node in root.iter():
        if node.text:
            node.text = for_xml(node.text)
        if node.tail:
            node.tail = for_xml(node.tail)
        for key, value in node.attrib.items():
            node.attrib[key] = for_xml(value)
    return root


def for_terminal(value: str) -> str:
    """``value`` with control characters and bidirectional controls shown as escapes
    (``\\x1b``, ``\\r``, ``\\u202e``), so data cannot move the cursor or rewrite a line."""
    return _TERMINAL_UNSAFE.sub(_escape, FORBIDDEN.sub(_escape, value))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
