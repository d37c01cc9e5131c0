"""Simple Dublin Core (the ``oai_dc`` schema of OAI-PMH) <-> works.

Written: dc:title (one per title, with xml:lang), dc:creator (authors) and dc:contributor
(other roles), dc:subject, dc:publisher, dc:date (year), dc:language (ISO 639), dc:type
(the kind), dc:identifier as ``urn:isbn:``, ``urn:issn:``, ``doi:`` or ``callnumber:``.
Read: the same, from every ``oai_dc:dc`` element of a file, wherever it sits (a file of
records, or a harvested OAI-PMH response). Romanized names and levels have no place in
simple Dublin Core and are not carried.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

from exchange.catalogue.formats import xmlevents
from exchange.catalogue.formats.records import Described, Entry, label, tagged_titles
from exchange.catalogue.identifiers import display
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
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
)
WRITTEN = {
    IdentifierScheme.ISBN: "urn:isbn:",
    IdentifierScheme.ISSN: "urn:issn:",
    IdentifierScheme.DOI: "doi:",
    IdentifierScheme.CALL_NUMBER: "callnumber:",
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
    for subject in work.subjects:
        add("subject", subject)
    if work.publisher:
        add("publisher", work.publisher)
    if work.year:
        add("date", str(work.year))
    add("language", work.language)
    add("type", work.kind)
    for ident in described.identifiers:
        scheme = IdentifierScheme(ident.scheme)
        add("identifier", WRITTEN[scheme] + display(ident.scheme, ident.value))
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


def draft_of(dc: ET.Element) -> WorkDraft:
    """The work an ``oai_dc:dc`` element describes (lenient; the service validates)."""
    values: dict[str, list[ET.Element]] = {}
    for child in dc:
        values.setdefault(child.tag, []).append(child)

    def texts(name: str) -> list[str]:
        return [" ".join(e.text.split()) for e in values.get(_dc(name), []) if e.text]

    language = next(iter(texts("language")), "und")
    titles = values.get(_dc("title"), [])
    if titles and all(t.get(XML_LANG) for t in titles):
        tagged = [(str(t.get(XML_LANG)), " ".join((t.text or "").split())) for t in titles]
    else:
        tagged = tagged_titles(language, texts("title"))
    kinds = [k for k in texts("type") if k in KINDS]
    years = [int(m.group()) for d in texts("date") if (m := YEAR.search(d))]
    contributors = [ContributorDraft(n, ContributorRole.AUTHOR) for n in texts("creator")]
    contributors += [ContributorDraft(n, ContributorRole.CONTRIBUTOR) for n in texts("contributor")]
    return WorkDraft(
        kind=WorkKind(kinds[0]) if kinds else WorkKind.OTHER,
        titles=tagged,
        language=language,
        contributors=contributors,
        publisher=next(iter(texts("publisher")), None),
        year=years[0] if years else None,
        subjects=texts("subject"),
        identifiers=[i for v in texts("identifier") if (i := _identifier(v)) is not None],
    )


def read(handle: BinaryIO) -> Iterator[Entry]:
    """Entries of every ``oai_dc:dc`` element of an XML file, parsed incrementally (each
    element cleared once read); DTDs and entities are refused."""
    position = 0
    root: ET.Element | None = None
    record = f"{{{OAI_DC_NS}}}dc"
    try:
        for event, node in xmlevents.events(handle):
            if event == "start":
                root = node if root is None else root
            elif node.tag == record:
                position += 1
                draft = draft_of(node)
                yield Entry(position, label(draft, f"record {position}"), draft)
                node.clear()
                if root is not None and root is not node:
                    root.clear()
    except (ET.ParseError, xmlevents.DTDForbidden) as error:
        yield Entry(position + 1, f"record {position + 1}", None, f"malformed XML: {error}")
