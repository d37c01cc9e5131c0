"""Simple Dublin Core (the ``oai_dc`` schema of OAI-PMH) <-> works.

Written: dc:title (one per title, with xml:lang), dc:creator (authors) and dc:contributor
(other roles), dc:subject, dc:publisher, dc:date (year), dc:language (ISO 639), dc:type
(the kind), dc:identifier as ``urn:isbn:``, ``urn:issn:``, ``doi:`` or ``callnumber:``.
Also written: our work id as ``urn:uuid:`` and a course number as ``course:`` (both
dc:identifier), co-authoring partners as dc:contributor ``urn:uuid:``, a duration as
dc:format ``PT…S`` (ISO 8601). Read: the same, from every ``oai_dc:dc`` or ``srw_dc:dc``
element of a file, wherever it sits (a file of records, an OAI-PMH or SRU response);
dc:language through ``languages.bcp47``. Romanized names, roles other than author,
instructors, levels and journal issues have no place in simple Dublin Core and are not
carried.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

from exchange.catalogue.formats import languages, xmlevents
from exchange.catalogue.formats.records import Described, Entry, read_entry, tagged_titles
from exchange.catalogue.identifiers import written
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
SRW_DC_NS = "info:srw/schema/1/dc-schema"  # SRU's Dublin Core record (srw_dc:dc)
RECORD_TAGS = (f"{{{OAI_DC_NS}}}dc", f"{{{SRW_DC_NS}}}dc")
URN_UUID = "urn:uuid:"
COURSE = "course:"
DURATION = re.compile(r"^PT(\d+)S$")
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
KINDS = frozenset(k.value for k in WorkKind)
YEAR = re.compile(r"\d{4}")
PREFIXES = (
    ("urn:isbn:", IdentifierScheme.ISBN),
    ("isbn:", IdentifierScheme.ISBN),
    ("urn:issn:", IdentifierScheme.ISSN),
    ("issn:", IdentifierScheme.ISSN),
    ("callnumber:", IdentifierScheme.CALL_NUMBER),
    ("invalid-isbn:", IdentifierScheme.INVALID_ISBN),
)
WRITTEN = {
    IdentifierScheme.ISBN: "urn:isbn:",
    IdentifierScheme.ISSN: "urn:issn:",
    IdentifierScheme.DOI: "doi:",
    IdentifierScheme.CALL_NUMBER: "callnumber:",
    IdentifierScheme.INVALID_ISBN: "invalid-isbn:",
}


def _dc(name: str) -> str:
    return f"{{{DC_NS}}}{name}"


def element(described: Described) -> ET.Element:
    """The ``oai_dc:dc`` element of a work."""
    work = described.work
    location = {f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} {SCHEMA}"}
    root = ET.Element(f"{{{OAI_DC_NS}}}dc", location)

    def add(name: str, value: str, lang: str | None = None) -> None:
        child = ET.SubElement(root, _dc(name), {XML_LANG: lang} if lang else {})
        child.text = value

    for title in work.titles:
        add("title", title["value"], title["lang"])
    for person in described.contributors:
        add("creator" if person.role == ContributorRole.AUTHOR else "contributor", person.name)
    for partner_id in described.co_author_ids:  # a co-publication's co-authoring partners
        add("contributor", f"{URN_UUID}{partner_id}")
    for subject in work.subjects:
        add("subject", subject)
    if work.publisher:
        add("publisher", work.publisher)
    if work.year:
        add("date", str(work.year))
    add("language", work.language)
    add("type", work.kind)
    if work.duration_seconds:
        add("format", f"PT{work.duration_seconds}S")  # ISO 8601 duration
    add("identifier", f"{URN_UUID}{work.id}")  # our control number (see ``matching``)
    if work.course_number:
        add("identifier", f"{COURSE}{work.course_number}")
    for ident in described.identifiers:
        scheme = IdentifierScheme(ident.scheme)
        add("identifier", WRITTEN[scheme] + written(ident.scheme, ident.value, ident.qualifier))
    return root


def _identifier(value: str) -> tuple[IdentifierScheme, str] | None:
    lowered = value.lower()
    for prefix, scheme in PREFIXES:
        if lowered.startswith(prefix):
            return scheme, value[len(prefix) :].strip()
    for prefix in ("doi:", "info:doi/", "https://doi.org/", "http://doi.org/"):
        if lowered.startswith(prefix):
            return IdentifierScheme.DOI, value[len(prefix) :].strip()
    return None


def draft_of(dc: ET.Element, warnings: list[str]) -> tuple[WorkDraft, uuid.UUID | None]:
    """The work an ``oai_dc:dc`` (or ``srw_dc:dc``) element describes, and the control
    number our own export wrote (lenient; ``leniency.fit`` and the service judge it)."""
    values: dict[str, list[ET.Element]] = {}
    for child in dc:
        values.setdefault(child.tag, []).append(child)

    def texts(name: str) -> list[str]:
        return [" ".join(e.text.split()) for e in values.get(_dc(name), []) if e.text]

    stated = next(iter(texts("language")), None)
    read = languages.bcp47(stated) if stated else languages.Read(languages.UNDETERMINED)
    if read.warning:
        warnings.append(read.warning)
    titles = values.get(_dc("title"), [])
    if titles and all(t.get(XML_LANG) for t in titles):
        tagged = [(_tag(str(t.get(XML_LANG))), " ".join((t.text or "").split())) for t in titles]
    else:  # the stated tag (its region kept for display) when the titles are in one script
        tagged = [
            (read.tag if read.tag and tag == read.code else tag, title)
            for tag, title in tagged_titles(read.code, texts("title"))
        ]
    kinds = [k for k in texts("type") if k in KINDS]
    years = [int(m.group()) for d in texts("date") if (m := YEAR.search(d))]
    contributors: list[ContributorDraft] = []
    co_authors: list[uuid.UUID] = []
    people = {
        _dc("creator"): ContributorRole.AUTHOR,
        _dc("contributor"): ContributorRole.CONTRIBUTOR,
    }
    for child in dc:  # creators and contributors in the order written
        role = people.get(child.tag)
        name = " ".join((child.text or "").split())
        if role is None or not name:
            continue
        if role is ContributorRole.CONTRIBUTOR and (partner := _uuid(name)) is not None:
            co_authors.append(partner)
        else:
            contributors.append(ContributorDraft(name, role))
    identifiers = texts("identifier")
    durations = [int(m.group(1)) for f in texts("format") if (m := DURATION.match(f))]
    courses = [i[len(COURSE) :] for i in identifiers if i.startswith(COURSE)]
    draft = WorkDraft(
        kind=WorkKind(kinds[0]) if kinds else WorkKind.OTHER,
        titles=tagged,
        language=read.code,
        contributors=contributors,
        publisher=next(iter(texts("publisher")), None),
        year=years[0] if years else None,
        subjects=texts("subject"),
        identifiers=[i for v in identifiers if (i := _identifier(v)) is not None],
        co_author_partner_ids=co_authors,
        course_number=courses[0] if courses else None,
        duration_seconds=durations[0] if durations else None,
    )
    control = next((u for i in identifiers if (u := _uuid(i)) is not None), None)
    return draft, control


def _tag(lang: str) -> str:
    """An xml:lang as a BCP 47 tag (``en_US`` -> ``en-US``); fit judges what is left."""
    read = languages.bcp47(lang)
    return lang if read.warning else read.tag or read.code


def _uuid(value: str) -> uuid.UUID | None:
    if not value.lower().startswith(URN_UUID):
        return None
    try:
        return uuid.UUID(value[len(URN_UUID) :])
    except ValueError:
        return None


def read(handle: BinaryIO) -> Iterator[Entry]:
    """Entries of every ``oai_dc:dc`` or ``srw_dc:dc`` element of an XML file, parsed
    incrementally (each element cleared once read); DTDs and entities are refused."""
    position = 0
    root: ET.Element | None = None
    try:
        for event, node in xmlevents.events(handle):
            if event == "start":
                root = node if root is None else root
            elif node.tag in RECORD_TAGS:
                position += 1
                warnings: list[str] = []
                draft, control = draft_of(node, warnings)
                yield read_entry(position, draft, f"record {position}", warnings, control)
                node.clear()
                if root is not None and root is not node:
                    root.clear()
    except (ET.ParseError, xmlevents.DTDForbidden) as error:
        yield Entry(position + 1, f"record {position + 1}", None, f"malformed XML: {error}")
