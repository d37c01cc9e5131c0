"""What the format modules read into and write from.

Reading yields an ``Entry`` per record: a ``WorkDraft`` for the catalogue service to
validate, or the reason the record could not even be read. Writing takes a ``Described``
work: the row with the related rows every format needs.
"""

from __future__ import annotations

import functools
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from exchange.catalogue import validation
from exchange.catalogue.formats import leniency
from exchange.catalogue.models import Work
from exchange.catalogue.relations import Contributor, Identifier
from exchange.catalogue.validation import WorkDraft

# Unicode character-name prefixes -> ISO 15924 script codes.
SCRIPTS = (
    ("HANGUL", "Hang"),
    ("CJK", "Hani"),
    ("HIRAGANA", "Jpan"),
    ("KATAKANA", "Jpan"),
    ("CYRILLIC", "Cyrl"),
    ("GREEK", "Grek"),
    ("ARABIC", "Arab"),
    ("HEBREW", "Hebr"),
    ("LATIN", "Latn"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One record of a file: where it was, how to name it in a report, and its draft (or
    ``problem``, why the record could not be read at all); ``warnings``, what reading it
    changed or doubts (``field: what``); ``control``, the work id our own export wrote
    (see ``matching``)."""

    position: int
    label: str
    draft: WorkDraft | None
    problem: str | None = None
    warnings: tuple[str, ...] = ()
    control: uuid.UUID | None = None


def read_entry(
    position: int,
    draft: WorkDraft,
    fallback: str,
    warnings: Sequence[str] = (),
    control: uuid.UUID | None = None,
) -> Entry:
    """The entry of a record read as ``draft``, bent to what the catalogue accepts
    (``leniency.fit``), with the reader's warnings and fit's."""
    fitted, changes = leniency.fit(draft)
    return Entry(position, label(fitted, fallback), fitted, None, (*warnings, *changes), control)


@dataclass(frozen=True, slots=True)
class Described:
    """A work with what the formats write besides its own columns."""

    work: Work
    contributors: Sequence[Contributor]
    identifiers: Sequence[Identifier]
    co_author_ids: Sequence[uuid.UUID]


@functools.lru_cache(maxsize=4096)
def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return next((code for prefix, code in SCRIPTS if name.startswith(prefix)), None)


def script(text: str) -> str:
    """The ISO 15924 code of the script most letters of ``text`` are in (Latin if none)."""
    counts: Counter[str] = Counter()
    for char in text:
        if char.isalpha() and (code := _script_of(char)) is not None:
            counts[code] += 1
    return counts.most_common(1)[0][0] if counts else "Latn"


def is_latin(text: str) -> bool:
    return script(text) == "Latn"


def tagged_titles(language: str, values: Sequence[str]) -> list[tuple[str, str]]:
    """Language tags for titles read from a file. A record whose titles are in one script
    tags them with its language alone ("ru"); one that has titles in several scripts
    (original and romanization) tags each with its script too ("ko-Hang", "ko-Latn")."""
    lang = validation.language(language, [])
    scripts = [script(v) for v in values]
    if len(set(scripts)) < 2:
        return [(lang, v) for v in values]
    return [(f"{lang}-{s}", v) for s, v in zip(scripts, values, strict=True)]


def label(draft: WorkDraft, fallback: str) -> str:
    """How a report names a record: its first title, else ``fallback``."""
    return draft.titles[0][1][:80] if draft.titles else fallback
