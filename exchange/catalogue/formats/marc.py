"""MARC 21 records <-> works, for both MARC transmission format and MARCXML.

Mapping (read and written alike):

- leader/06-07 and 006 guess the kind (serial -> journal, projected medium or spoken
  recording -> recorded lecture, language-material monograph -> textbook, else other);
  887 $a with $2 ``scholarly-exchange`` carries our own kind exactly and wins.
- 020 $a ISBN, 022 $a ISSN, 024 7_ $a with $2 doi, 090/050 $a $b and 099 $a call numbers.
- 041 $a, else 008/35-37: language. 245 $a $b: title; an 880 linked to it (by $6) is the
  title in the original script and comes first; 246 $a: other titles (romanizations).
- 100 and 700 $a: contributors, $e or $4 their role; a linked 880 holds the name in the
  original script and the field itself the romanized name.
- 264 (or 260) $b publisher, $c year (else 008/07-10). 650 $a subjects. 521 $a level.
  710 $0 ``urn:uuid:`` co-authoring partners. 500/502 notes and other fields are ignored.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

import pycountry
from pymarc import Field, Indicators, Leader, MARCReader, Record, Subfield

from exchange.catalogue.formats import xmlevents
from exchange.catalogue.formats.records import Described, Entry, is_latin, label, tagged_titles
from exchange.catalogue.identifiers import display
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft

MARC_NS = "http://www.loc.gov/MARC21/slim"
SOURCE = "scholarly-exchange"
KINDS = frozenset(k.value for k in WorkKind)
LEVELS = frozenset(v.value for v in WorkLevel)
RECORD_TAGS = (f"{{{MARC_NS}}}record", "record")
YEAR = re.compile(r"\d{4}")
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


def _clean(value: str | None) -> str:
    return (value or "").strip().rstrip(TRAILING).strip()


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


def _language(record: Record) -> str:
    for field in record.get_fields("041"):
        if code := _first(field, "a")[:3]:
            return code
    for field in record.get_fields("008"):
        code = (field.data or "")[35:38].strip()
        if len(code) == 3 and code.isalpha():
            return code
    return "und"


def _identifiers(record: Record) -> list[tuple[IdentifierScheme, str]]:
    found: list[tuple[IdentifierScheme, str]] = []
    for field in record.get_fields("020"):
        for value in field.get_subfields("a"):
            if value.split():
                found.append((IdentifierScheme.ISBN, value.split()[0]))
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


def _imprint(record: Record) -> tuple[str | None, int | None]:
    fields = [f for f in record.get_fields("264") if f.indicator2 == "1"]
    fields += record.get_fields("260")
    publisher = next((_first(f, "b") for f in fields if _first(f, "b")), None)
    dates = [m.group() for f in fields for c in f.get_subfields("c") if (m := YEAR.search(c))]
    fixed = [f.data or "" for f in record.get_fields("008")]
    dates += [data[7:11] for data in fixed if data[7:11].isdigit()]
    return publisher, int(dates[0]) if dates else None


def draft_of(record: Record) -> WorkDraft:
    """The work a record describes. Lenient: the catalogue service judges the result."""
    linked = _linked(record)
    language = _language(record)
    publisher, year = _imprint(record)
    levels = [_first(f, "a").lower() for f in record.get_fields("521")]
    co_authors = [
        uuid.UUID(value.removeprefix("urn:uuid:"))
        for f in record.get_fields("710")
        for value in f.get_subfields("0")
        if re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", value)
    ]
    return WorkDraft(
        kind=_kind(record),
        titles=tagged_titles(language, _titles(record, linked)),
        language=language,
        contributors=_contributors(record, linked),
        publisher=publisher,
        year=year,
        subjects=[s for f in record.get_fields("650") if (s := _first(f, "a"))],
        level=next((WorkLevel(v) for v in levels if v in LEVELS), None),
        identifiers=_identifiers(record),
        co_author_partner_ids=co_authors,
    )


def entry(position: int, record: Record) -> Entry:
    fallback = f"record {position}"
    control = record.get_fields("001")
    if control:
        fallback = f"{fallback} ({control[0].data or ''})"
    try:
        draft = draft_of(record)
    except (ValueError, KeyError, IndexError) as error:
        return Entry(position, fallback, None, f"unreadable record: {error}")
    return Entry(position, label(draft, fallback), draft)


def read_marc21(handle: BinaryIO) -> Iterator[Entry]:
    """Entries of a file of MARC transmission-format records, one record in memory."""
    reader = MARCReader(handle, to_unicode=True, permissive=True, utf8_handling="replace")
    for position, record in enumerate(reader, 1):
        if record is None:
            problem = type(reader.current_exception).__name__
            yield Entry(position, f"record {position}", None, f"unreadable record: {problem}")
        else:
            yield entry(position, record)


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
    (and dropped from its parent) once read. DTDs and entities are refused."""
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
    except (ET.ParseError, xmlevents.DTDForbidden) as error:
        yield Entry(position + 1, f"record {position + 1}", None, f"malformed XML: {error}")


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
            fields.append(_data("020", [("a", ident.value)]))
        elif ident.scheme == IdentifierScheme.ISSN:
            fields.append(_data("022", [("a", value)]))
        elif ident.scheme == IdentifierScheme.DOI:
            fields.append(_data("024", [("a", value), ("2", "doi")], "7 "))
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
        romanized = person.romanized if person.romanized and not is_latin(person.name) else None
        record.fields.append(linkable(tag, person.name, romanized, role))
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
    record.fields.append(_data("887", [("a", work.kind), ("2", SOURCE)]))
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
