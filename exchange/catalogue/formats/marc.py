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

import json
import xml.etree.ElementTree as ET
from typing import Any

import pycountry
from pymarc import Field, Indicators, Record, Subfield

from exchange.catalogue.formats.records import (
    Described,
    is_latin,
)
from exchange.catalogue.identifiers import display
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel

MARC_NS = "http://www.loc.gov/MARC21/slim"
SOURCE = "scholarly-exchange"
KINDS = frozenset(k.value for k in WorkKind)
LEVELS = frozenset(v.value for v in WorkLevel)
EXTRAS = "scholarly-exchange-fields"  # $2 of the 887 holding what MARC has no field for


# ---------------------------------------------------------------- writing


def _bibliographic(language: str) -> str:
    found = pycountry.languages.get(alpha_2=language) if len(language) == 2 else None
    if found is None:
        return language if len(language) == 3 else "und"
    return str(getattr(found, "bibliographic", None) or found.alpha_3)


def _leader(kind: str) -> str:
    leader = list("00000nam a2200000 i 4500")
    if kind == WorkKind.JOURNAL:
        leader[7] = "s"
    elif kind == WorkKind.RECORDED_LECTURE:
        leader[6] = "g"
    elif kind != WorkKind.TEXTBOOK:
        leader[6] = "t" if kind == WorkKind.SEMINAR_MATERIAL else "p"
        leader[7] = "c" if kind == WorkKind.CO_PUBLICATION else "m"
    return "".join(leader)


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
    record = Record(force_utf8=True, leader=_leader(work.kind))
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
