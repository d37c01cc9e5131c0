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
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

from exchange import text
from exchange.catalogue import validation
from exchange.catalogue.formats import leniency
from exchange.catalogue.models import Work
from exchange.catalogue.relations import Contributor, Identifier
from exchange.catalogue.validation import WorkDraft
from exchange.errors import FieldError
from exchange.messages import N_

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


# How the pairs of a draft are named in a report (``titles[0].value``).
_PAIRS = {"titles": ("lang", "value"), "identifiers": ("scheme", "value")}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _strip(value: Any, path: str, pair: tuple[str, str] | None, found: list[FieldError]) -> Any:
    if isinstance(value, str):
        cleaned, removed = text.strip(value)
        if removed:
            message = N_(
                "removed {removed} characters that XML 1.0 does not allow", removed=removed
            )
            found.append(FieldError(path, "stripped_characters", message))
        return cleaned
    if isinstance(value, tuple) and pair is not None and len(value) == len(pair):
        return tuple(
            _strip(item, f"{path}.{name}", None, found)
            for item, name in zip(value, pair, strict=True)
        )
    if isinstance(value, list):
        return [_strip(item, f"{path}[{i}]", pair, found) for i, item in enumerate(value)]
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for spec in fields(value):
            current = getattr(value, spec.name)
            name = _camel(spec.name)
            walked = _strip(current, f"{path}.{name}" if path else name, _PAIRS.get(name), found)
            if walked != current:
                changes[spec.name] = walked
        return replace(value, **changes) if changes else value
    return value


def stripped(entry: Entry) -> Entry:
    """``entry`` with the characters XML 1.0 forbids removed from every text of its draft
    and its label (issue 11), one warning per changed field; the record is kept."""
    if entry.draft is None:
        return entry
    found: list[FieldError] = []
    draft = _strip(entry.draft, "", None, found)
    if not found:
        return entry
    label, _ = text.strip(entry.label)
    changes = tuple(f"{problem.field}: {problem.message}" for problem in found)
    return replace(entry, draft=draft, label=label, warnings=(*entry.warnings, *changes))
