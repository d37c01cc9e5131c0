"""The cataloguing form's repeated rows (titles, identifiers, contributors) and where a
domain error about a field is shown: the id of the form's field it concerns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from exchange.catalogue.models import IdentifierScheme
from exchange.catalogue.validation import ContributorRole

_ROW_FIELD = re.compile(r"^(titles|identifiers|contributors|subjects)\[(\d+)\](?:\.(\w+))?$")
_ROW_NAMES = {"titles": "title", "identifiers": "identifier", "contributors": "contributor"}
# Domain field names (as the service reports them) → this form's field ids.
_FIELDS = {
    "courseNumber": "course_number",
    "durationSeconds": "duration_minutes",
    "coAuthorPartnerIds": "kind",
    "partnerId": "partner",
    "issues": "kind",
}


def field_id(domain_field: str) -> str:
    """Where a domain error is shown: ``titles[1].lang`` → ``title-1-lang`` (rows are
    given to the domain in the form's order, blank rows kept out only at the end)."""
    if match := _ROW_FIELD.match(domain_field):
        group, index, name = match.groups()
        if group == "subjects":
            return "subjects"
        return f"{_ROW_NAMES[group]}-{index}-{name or 'value'}"
    if domain_field in _ROW_NAMES:
        return f"{_ROW_NAMES[domain_field]}-0-value"
    return _FIELDS.get(domain_field, domain_field)


@dataclass
class TitleInput:
    lang: str = ""
    value: str = ""

    @property
    def blank(self) -> bool:
        return not self.lang and not self.value


@dataclass
class IdentifierInput:
    scheme: str = IdentifierScheme.ISBN.value
    value: str = ""

    @property
    def blank(self) -> bool:
        return not self.value


@dataclass
class ContributorInput:
    name: str = ""
    romanized: str = ""
    role: str = ContributorRole.AUTHOR.value

    @property
    def blank(self) -> bool:
        return not self.name and not self.romanized


Row = TypeVar("Row", TitleInput, IdentifierInput, ContributorInput)


def filled(rows: list[Row]) -> list[Row]:
    """The rows up to the last one filled in (blank ones between are kept: the domain
    reports them by their place)."""
    last = max((i for i, row in enumerate(rows) if not row.blank), default=-1)
    return rows[: last + 1]
