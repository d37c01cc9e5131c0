"""UNIMARC bibliographic records (IFLA, the format of many Chinese, Russian, Italian and
French libraries) read into works: their core fields only.

Recognised by its title field: UNIMARC's title and statement of responsibility is 200
(with $a), a tag MARC 21 leaves undefined, and it has no 245. The leader and the record
structure (ISO 2709) are MARC 21's, so the same reader splits the records.

Read (UNIMARC Manual, Bibliographic Format, 3rd ed.): 200 $a title (``$e`` other title
information after " : "), 700 / 701 / 702 $a $b personal names (entry element, then the
rest; ``$4`` relator code 070 author, 340 editor, 730 translator, else contributor), 010
$a ISBN, 011 $a ISSN, 101 $a language (ISO 639-2), 210 $c publisher and $d year (else
100 $a/09-12), 606 $a subjects. Everything else is left out, and the record says so in
a warning.
"""

from __future__ import annotations

import re

from pymarc import Field, Record

from exchange.catalogue.formats import languages, leniency
from exchange.catalogue.formats.records import tagged_titles
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft

YEAR = re.compile(r"\d{4}")
TRAILING = " /:;,=."
RELATORS = {
    "070": ContributorRole.AUTHOR,
    "340": ContributorRole.EDITOR,
    "730": ContributorRole.TRANSLATOR,
}


def is_unimarc(record: Record) -> bool:
    """Whether ``record`` is UNIMARC: a 200 with a title ($a) and no 245."""
    if record.get_fields("245"):
        return False
    return any(f.get("a") for f in record.get_fields("200") if not f.control_field)


def _first(field: Field, code: str) -> str:
    values = field.get_subfields(code)
    return (values[0] if values else "").strip().rstrip(TRAILING).strip()


def _names(record: Record) -> list[ContributorDraft]:
    result: list[ContributorDraft] = []
    for field in record.get_fields("700", "701", "702"):
        surname, rest = _first(field, "a"), _first(field, "b").lstrip(" ,")
        name = f"{surname}, {rest}" if surname and rest else surname or rest
        default = ContributorRole.AUTHOR if field.tag != "702" else ContributorRole.CONTRIBUTOR
        role = RELATORS.get(_first(field, "4"), default)
        if name:
            result.append(ContributorDraft(name, role))
    return result


def _year(record: Record) -> int | None:
    for field in record.get_fields("210"):
        for value in field.get_subfields("d"):
            if match := YEAR.search(value):
                return int(match.group())
    for field in record.get_fields("100"):
        date = (field.get("a") or "")[9:13]
        if date.isdigit():
            return int(date)
    return None


def draft_of(record: Record, warnings: list[str], kind: WorkKind) -> WorkDraft:
    """The work a UNIMARC record describes (``kind`` from its leader, read as MARC 21's)."""
    codes = [_first(f, "a")[:3] for f in record.get_fields("101")]
    read = languages.marc(next((c for c in codes if c), ""))
    if read.warning:
        warnings.append(read.warning)
    titles = []
    for field in record.get_fields("200"):
        main, rest = _first(field, "a"), _first(field, "e")
        if text := f"{main} : {rest}" if main and rest else main or rest:
            titles.append(text)
    identifiers: list[tuple[IdentifierScheme, str]] = []
    for field in record.get_fields("010"):
        identifiers += [
            (IdentifierScheme.ISBN, leniency.split_isbn(v)[0]) for v in field.get_subfields("a")
        ]
    for field in record.get_fields("011"):
        identifiers += [(IdentifierScheme.ISSN, v.strip()) for v in field.get_subfields("a")]
    publishers = [_first(f, "c") for f in record.get_fields("210") if _first(f, "c")]
    return WorkDraft(
        kind=kind,
        titles=tagged_titles(read.code, titles),
        language=read.code,
        contributors=_names(record),
        publisher=publishers[0] if publishers else None,
        year=_year(record),
        subjects=[s for f in record.get_fields("606") if (s := _first(f, "a"))],
        identifiers=identifiers,
    )
