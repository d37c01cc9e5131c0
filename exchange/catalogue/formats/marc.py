"""MARC 21 records <-> works, for both MARC transmission format and MARCXML.

Mapping (read and written alike):

- 001 the work id with 003 ``scholarly-exchange``: our control number (``matching``).
- leader/06-07 and 006 guess the kind (serial -> journal, projected medium or spoken
  recording -> recorded lecture, language-material monograph -> textbook, else other);
  887 $a with $2 ``scholarly-exchange`` carries our own kind exactly and wins; an 887 with
  $2 ``scholarly-exchange-fields`` holds, as JSON, what MARC has no field for (titles with
  their language tags, course number, instructor).
- 020 $a ISBN (a qualifier after the number, or $q, kept as its qualifier), 020 $z invalid
  ISBN, 022 $a ISSN, 024 7_ $a with $2 doi, 090/050 $a $b and 099 $a call numbers.
- 041 $a, else 008/35-37: language (``languages.marc``). 245 $a $b: title; an 880 linked
  to it (by $6) is the title in the original script and comes first; 246 $a: other titles.
- 100 and 700 $a: contributors, $e or $4 their role; a linked 880 holds the name in the
  original script and the field itself the romanized name.
- 264 (or 260) $b publisher, $c year (008/07-10 when $c's is out of range, else when there
  is no $c). 650 $a subjects. 521 $a level. 306 $a duration of a recorded lecture (hhmmss).
  710 $0 ``urn:uuid:`` co-authoring partners. 500/502 notes and other fields are ignored.
- Text: MARC-8 numeric character references (``&#x0397;``) and XML's named entities are
  decoded. Holdings and authority records (leader/06 u v x y z) are refused by name;
  UNIMARC records are read by ``unimarc``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, BinaryIO

import pycountry
from defusedxml import ElementTree as defused
from pymarc import Field, Indicators, Leader, Record, Subfield
from pymarc.exceptions import PymarcException

from exchange import clock
from exchange.catalogue import validation
from exchange.catalogue.formats import languages, leniency, unimarc, xmlevents
from exchange.catalogue.formats.records import (
    Described,
    Entry,
    is_latin,
    read_entry,
    tagged_titles,
)
from exchange.catalogue.identifiers import display
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft

MARC_NS = "http://www.loc.gov/MARC21/slim"
SOURCE = "scholarly-exchange"
KINDS = frozenset(k.value for k in WorkKind)
LEVELS = frozenset(v.value for v in WorkLevel)
RECORD_TAGS = (f"{{{MARC_NS}}}record", "record")
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
EXTRAS = "scholarly-exchange-fields"
TERMINATOR = b"\x1d"
CHUNK = 64 * 1024  # $2 of the 887 holding what MARC has no field for
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

# ---------------------------------------------------------------- reading


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


# ---------------------------------------------------------------- writing


def _bibliographic(language: str) -> str:
    found = pycountry.languages.get(alpha_2=language) if len(language) == 2 else None
    if found is None:
        return language if len(language) == 3 else "und"
    return str(getattr(found, "bibliographic", None) or found.alpha_3)


def _leader(kind: str) -> Leader:
    leader = list("00000nam a2200000 i 4500")
    if kind == WorkKind.JOURNAL:
        leader[7] = "s"
    elif kind == WorkKind.RECORDED_LECTURE:
        leader[6] = "g"
    elif kind != WorkKind.TEXTBOOK:
        leader[6] = "t" if kind == WorkKind.SEMINAR_MATERIAL else "p"
        leader[7] = "c" if kind == WorkKind.CO_PUBLICATION else "m"
    return Leader("".join(leader))


def _data(tag: str, subfields: list[tuple[str, str]], ind: str = "  ") -> Field:
    return Field(
        tag=tag,
        indicators=Indicators(ind[0], ind[1]),
        subfields=[Subfield(code, value) for code, value in subfields],
    )


def _identifier_fields(described: Described) -> list[Field]:
    fields: list[Field] = []
    for ident in described.identifiers:
        value = display(ident.scheme, ident.value)
        if ident.scheme == IdentifierScheme.ISBN:
            qualified = [("q", ident.qualifier)] if ident.qualifier else []
            fields.append(_data("020", [("a", ident.value), *qualified]))
        elif ident.scheme == IdentifierScheme.ISSN:
            fields.append(_data("022", [("a", value)]))
        elif ident.scheme == IdentifierScheme.DOI:
            fields.append(_data("024", [("a", value), ("2", "doi")], "7 "))
        elif ident.scheme == IdentifierScheme.INVALID_ISBN:
            fields.append(_data("020", [("z", value)]))
        else:
            fields.append(_data("090", [("a", value)]))
    return sorted(fields, key=lambda f: f.tag)


def record_from(described: Described) -> Record:
    """The MARC record of a work (UTF-8; original scripts in 880 fields linked by $6)."""
    work = described.work
    record = Record(force_utf8=True, leader=_leader(work.kind))  # type: ignore[arg-type]
    lang3 = _bibliographic(work.language)
    entered = work.created_at.strftime("%y%m%d")
    year = str(work.year) if work.year else "    "
    record.fields.append(Field(tag="001", data=str(work.id)))
    record.fields.append(Field(tag="003", data=SOURCE))
    record.fields.append(Field(tag="005", data=work.updated_at.strftime("%Y%m%d%H%M%S.0")))
    fixed = f"{entered}s{year}    xx " + " " * 17 + f"{lang3} d"
    record.fields.append(Field(tag="008", data=fixed))
    record.fields.extend(_identifier_fields(described))
    record.fields.append(_data("041", [("a", lang3)], "0 "))
    linked: list[Field] = []

    def linkable(tag: str, original: str, latin: str | None, rest: list[tuple[str, str]]) -> Field:
        if latin is None:
            return _data(tag, [("a", original), *rest], "1 " if tag != "245" else "10")
        occurrence = f"{len(linked) + 1:02d}"
        ind = "10" if tag == "245" else "1 "
        linked.append(_data("880", [("6", f"{tag}-{occurrence}"), ("a", original), *rest], ind))
        return _data(tag, [("6", f"880-{occurrence}"), ("a", latin), *rest], ind)

    for position, person in enumerate(described.contributors):
        tag = "100" if position == 0 else "700"
        role = [("e", person.role)]
        record.fields.append(linkable(tag, person.name, person.romanized or None, role))
    titles = [t["value"] for t in work.titles]
    original = titles[0] if titles else ""
    latin = next((t for t in titles[1:] if is_latin(t)), None) if not is_latin(original) else None
    record.fields.append(linkable("245", original, latin, []))
    for other in titles[1:]:
        if other != latin:
            record.fields.append(_data("246", [("a", other)], "1 "))
    if work.publisher or work.year:
        imprint = [("b", work.publisher)] if work.publisher else []
        imprint += [("c", str(work.year))] if work.year else []
        record.fields.append(_data("264", imprint, " 1"))
    if work.level:
        record.fields.append(_data("521", [("a", work.level)]))
    for subject in work.subjects:
        record.fields.append(_data("650", [("a", subject)], " 4"))
    for partner_id in described.co_author_ids:
        record.fields.append(
            _data("710", [("a", str(partner_id)), ("0", f"urn:uuid:{partner_id}")])
        )
    if work.duration_seconds:
        hours, rest = divmod(work.duration_seconds, 3600)
        playing = f"{hours:02d}{rest // 60:02d}{rest % 60:02d}"
        record.fields.append(_data("306", [("a", playing)]))
    record.fields.append(_data("887", [("a", work.kind), ("2", SOURCE)]))
    extras: dict[str, Any] = {"titles": [[t["lang"], t["value"]] for t in work.titles]}
    extras.update(course_number=work.course_number, instructor=work.instructor)
    text = json.dumps({k: v for k, v in extras.items() if v}, ensure_ascii=False)
    record.fields.append(_data("887", [("a", text), ("2", EXTRAS)]))
    record.fields.extend(linked)
    record.fields.sort(key=lambda f: f.tag)  # stable: 100 before 700, 245 before 246
    return record


def xml_element(record: Record) -> ET.Element:
    """The MARCXML ``record`` element of a record, in the MARC 21 slim namespace."""
    root = ET.Element(f"{{{MARC_NS}}}record")
    ET.SubElement(root, f"{{{MARC_NS}}}leader").text = str(record.leader)
    for field in record.fields:
        if field.control_field:
            control = ET.SubElement(root, f"{{{MARC_NS}}}controlfield", {"tag": field.tag})
            control.text = field.data
            continue
        data = ET.SubElement(
            root,
            f"{{{MARC_NS}}}datafield",
            {"tag": field.tag, "ind1": field.indicator1, "ind2": field.indicator2},
        )
        for subfield in field.subfields:
            ET.SubElement(
                data, f"{{{MARC_NS}}}subfield", {"code": subfield.code}
            ).text = subfield.value
    return root
