"""Reading MARC 21 records into work drafts (the mapping is ``marc``'s docstring), with a
warning for each field read leniently; UNIMARC records go to ``unimarc`` and holdings
and authority records are refused by name."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from typing import Any

from pymarc import Field, Record

from exchange import clock
from exchange.catalogue import validation
from exchange.catalogue.formats import languages, leniency, unimarc
from exchange.catalogue.formats.marc import EXTRAS, KINDS, LEVELS, SOURCE
from exchange.catalogue.formats.records import (
    Entry,
    read_entry,
    tagged_titles,
)
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft

YEAR = re.compile(r"\d{4}")
# A numeric character reference, perhaps with the combining marks MARC-8 put before it
# (moved behind the "&" by MARC-8 decoding), or one of XML's five named entities.
NCR = re.compile(r"&([\u0300-\u036f\ufe20-\ufe23]*)#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}));")
ENTITIES = re.compile(r"&(amp|lt|gt|quot|apos);")
NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# Leader/06 of records that describe no work: holdings (u, v, x, y) and authority (z).
NOT_BIBLIOGRAPHIC = {
    "u": "holdings",
    "v": "holdings",
    "x": "holdings",
    "y": "holdings",
    "z": "authority",
}
TRAILING = " /:;,=."
ROLES = {
    "aut": ContributorRole.AUTHOR,
    "author": ContributorRole.AUTHOR,
    "edt": ContributorRole.EDITOR,
    "editor": ContributorRole.EDITOR,
    "trl": ContributorRole.TRANSLATOR,
    "translator": ContributorRole.TRANSLATOR,
    "ins": ContributorRole.INSTRUCTOR,
    "instructor": ContributorRole.INSTRUCTOR,
    "pre": ContributorRole.PRESENTER,
    "presenter": ContributorRole.PRESENTER,
    "ctb": ContributorRole.CONTRIBUTOR,
    "contributor": ContributorRole.CONTRIBUTOR,
}


def _ncr(match: re.Match[str]) -> str:
    marks, hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    if not 0 < code < 0x110000:
        return match.group()
    return unicodedata.normalize("NFC", chr(code) + marks)


def _clean(value: str | None) -> str:
    """Subfield text without ISBD punctuation; MARC-8 numeric character references
    (``&#x0397;``, MARC 21 Specifications, "Lossless conversion") decoded."""
    text = value or ""
    if "&" in text:
        text = ENTITIES.sub(lambda m: NAMED[m.group(1)], NCR.sub(_ncr, text))
    return text.strip().rstrip(TRAILING).strip()


def _first(field: Field, code: str) -> str:
    values = field.get_subfields(code)
    return _clean(values[0]) if values else ""


def _linked(record: Record) -> dict[tuple[str, str], Field]:
    """880 fields by the (tag, occurrence) their $6 points at: "245-01" -> ("245", "01")."""
    result: dict[tuple[str, str], Field] = {}
    for field in record.get_fields("880"):
        link = field.get("6") or ""
        if len(link) >= 6:
            result.setdefault((link[:3], link[4:6]), field)
    return result


def _partner(field: Field, linked: dict[tuple[str, str], Field]) -> Field | None:
    link = field.get("6") or ""
    return linked.get((field.tag, link[4:6])) if link.startswith("880-") else None


def _kind(record: Record) -> WorkKind:
    for field in record.get_fields("887"):
        value = field.get("a") or ""
        if field.get("2") == SOURCE and value in KINDS:
            return WorkKind(value)
    leader = str(record.leader).ljust(24)
    serial = leader[7] == "s" or any((f.data or "")[:1] == "s" for f in record.get_fields("006"))
    if serial:
        return WorkKind.JOURNAL
    if leader[6] in "gi":
        return WorkKind.RECORDED_LECTURE
    if leader[6] in "at" and leader[7] == "m":
        return WorkKind.TEXTBOOK
    return WorkKind.OTHER


def _language(record: Record) -> languages.Read:
    for field in record.get_fields("041"):
        if code := _first(field, "a")[:3]:
            return languages.marc(code)
    for field in record.get_fields("008"):
        code = (field.data or "")[35:38].strip()
        if code:
            return languages.marc(code)
    return languages.Read(languages.UNDETERMINED)


def _identifiers(record: Record) -> list[tuple[IdentifierScheme, str]]:
    found: list[tuple[IdentifierScheme, str]] = []
    for field in record.get_fields("020"):
        qualifiers = [q.strip(" :;,.()") for q in field.get_subfields("q") if q.strip()]
        for value in field.get_subfields("a"):
            number, qualifier = leniency.split_isbn(value)
            if number:
                qualifier = qualifier or (qualifiers[0] if qualifiers else None)
                written = f"{number} ({qualifier})" if qualifier else number
                found.append((IdentifierScheme.ISBN, written))
        for value in field.get_subfields("z"):
            if value.strip():
                found.append((IdentifierScheme.INVALID_ISBN, value.strip()))
    for field in record.get_fields("022"):
        found += [(IdentifierScheme.ISSN, v.strip()) for v in field.get_subfields("a")]
    for field in record.get_fields("024"):
        if field.indicator1 == "7" and (field.get("2") or "").lower() == "doi" and field.get("a"):
            found.append((IdentifierScheme.DOI, str(field.get("a")).strip()))
    for field in record.get_fields("090", "050"):
        parts = [field.get("a") or "", field.get("b") or ""]
        if number := " ".join(p.strip() for p in parts if p.strip()):
            found.append((IdentifierScheme.CALL_NUMBER, number))
    for field in record.get_fields("099"):
        if number := " ".join(v.strip() for v in field.get_subfields("a")):
            found.append((IdentifierScheme.CALL_NUMBER, number))
    return found


def _titles(record: Record, linked: dict[tuple[str, str], Field]) -> list[str]:
    def text(field: Field) -> str:
        main, rest = _first(field, "a"), _first(field, "b")
        return f"{main} : {rest}" if main and rest else main or rest

    values: list[str] = []
    for field in record.get_fields("245"):
        original = _partner(field, linked)
        values += [text(original)] if original is not None else []
        values.append(text(field))
    values += [text(f) for f in record.get_fields("246")]
    return [v for i, v in enumerate(values) if v and v not in values[:i]]


def _contributors(record: Record, linked: dict[tuple[str, str], Field]) -> list[ContributorDraft]:
    result: list[ContributorDraft] = []
    for field in record.get_fields("100", "700"):
        name = _first(field, "a")
        relator = (_first(field, "e") or _first(field, "4")).lower()
        role = ROLES.get(relator, ContributorRole.AUTHOR)
        original = _partner(field, linked)
        if original is not None and _first(original, "a"):
            result.append(ContributorDraft(_first(original, "a"), role, name or None))
        elif name:
            result.append(ContributorDraft(name, role))
    return result


def _imprint(record: Record, warnings: list[str]) -> tuple[str | None, int | None]:
    """Publisher and year. The year of 264/260 $c, unless it is out of range and 008/07-10
    has one (``2546 [2003]``: a Buddhist-era year with its Gregorian one): then 008's."""
    fields = [f for f in record.get_fields("264") if f.indicator2 == "1"]
    fields += record.get_fields("260")
    publisher = next((_first(f, "b") for f in fields if _first(f, "b")), None)
    stated = [
        (c, int(m.group())) for f in fields for c in f.get_subfields("c") if (m := YEAR.search(c))
    ]
    fixed = [int(d[7:11]) for f in record.get_fields("008") if (d := f.data or "")[7:11].isdigit()]
    fitting = [y for y in fixed if validation.MIN_YEAR <= y <= clock.now().year + 5]
    if stated:
        text, year = stated[0]
        if fitting and not validation.MIN_YEAR <= year <= clock.now().year + 5:
            warnings.append(f"year: {text.strip()!r} read as {fitting[0]} (from 008)")
            return publisher, fitting[0]
        return publisher, year
    chosen = fitting or fixed
    return publisher, chosen[0] if chosen else None


def _extras(record: Record) -> dict[str, Any]:
    """What our own export wrote in its 887 $2 ``EXTRAS`` (a JSON object), else {}."""
    for field in record.get_fields("887"):
        if field.get("2") == EXTRAS:
            try:
                value = json.loads(field.get("a") or "")
            except ValueError:
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def _duration(record: Record) -> int | None:
    """306 $a playing time, hhmmss."""
    for field in record.get_fields("306"):
        text = (field.get("a") or "").strip()
        if len(text) == 6 and text.isdigit():
            return int(text[:2]) * 3600 + int(text[2:4]) * 60 + int(text[4:])
    return None


def draft_of(record: Record, warnings: list[str] | None = None) -> WorkDraft:
    """The work a record describes; what reading changed goes to ``warnings``. Lenient:
    ``leniency.fit`` and the catalogue service judge the result."""
    warnings = [] if warnings is None else warnings
    linked = _linked(record)
    read = _language(record)
    if read.warning:
        warnings.append(read.warning)
    language = read.code
    publisher, year = _imprint(record, warnings)
    extras = _extras(record)
    titles = _titles(record, linked)
    kept = extras.get("titles")
    exact = [(str(t[0]), str(t[1])) for t in kept] if isinstance(kept, list) else []
    if exact and {v for _, v in exact} == set(titles):  # our own: languages and order
        tagged = exact
    else:
        tagged = tagged_titles(language, titles)
    levels = [_first(f, "a").lower() for f in record.get_fields("521")]
    co_authors = [
        uuid.UUID(value.removeprefix("urn:uuid:"))
        for f in record.get_fields("710")
        for value in f.get_subfields("0")
        if re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", value)
    ]
    kind = _kind(record)
    return WorkDraft(
        kind=kind,
        titles=tagged,
        language=language,
        contributors=_contributors(record, linked),
        publisher=publisher,
        year=year,
        subjects=[s for f in record.get_fields("650") if (s := _first(f, "a"))],
        level=next((WorkLevel(v) for v in levels if v in LEVELS), None),
        identifiers=_identifiers(record),
        co_author_partner_ids=co_authors,
        course_number=_text(extras.get("course_number")),
        instructor=_text(extras.get("instructor")),
        duration_seconds=_duration(record) if kind is WorkKind.RECORDED_LECTURE else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _control(record: Record) -> uuid.UUID | None:
    """The work id in 001 when 003 says it is ours."""
    sources = record.get_fields("003")
    numbers = record.get_fields("001")
    if not sources or not numbers or (sources[0].data or "").strip() != SOURCE:
        return None
    try:
        return uuid.UUID((numbers[0].data or "").strip())
    except ValueError:
        return None


def entry(position: int, record: Record) -> Entry:
    fallback = f"record {position}"
    control = record.get_fields("001")
    if control:
        fallback = f"{fallback} ({control[0].data or ''})"
    warnings: list[str] = []
    nature = NOT_BIBLIOGRAPHIC.get(str(record.leader)[6:7])
    if nature is not None:
        problem = f"a {nature} record (leader/06 {str(record.leader)[6]}), not a work's description"
        return Entry(position, fallback, None, problem)
    try:
        if unimarc.is_unimarc(record):
            draft = unimarc.draft_of(record, warnings, _kind(record))
            warnings.insert(0, "format: UNIMARC, its core fields read")
        else:
            draft = draft_of(record, warnings)
    except (ValueError, KeyError, IndexError) as error:
        return Entry(position, fallback, None, f"unreadable record: {error}")
    return read_entry(position, draft, fallback, warnings, _control(record))
