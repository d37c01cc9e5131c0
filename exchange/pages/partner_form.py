"""The partner form of the admin pages: names in several scripts (a BCP 47 tag and the
name in that script per row), country, kind, tags and whether the profile is public."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from exchange.partners.models import Partner, PartnerKind
from exchange.partners.service import PartnerDraft, PartnerPatch

NAME_ROWS = 4
_NAME_FIELD = re.compile(r"^names\[(\d+)\]\.(lang|value)$")
_KINDS = frozenset(k.value for k in PartnerKind)


def field_id(domain_field: str, positions: list[int]) -> str:
    """``names[1].value`` → the form row it came from (blank rows are skipped)."""
    if match := _NAME_FIELD.match(domain_field):
        index, part = match.groups()
        row = positions[int(index)] if int(index) < len(positions) else int(index)
        return f"name-{row}-{part}"
    return {"names": "name-0-value"}.get(domain_field, domain_field)


@dataclass
class PartnerForm:
    names: list[tuple[str, str]] = field(default_factory=list)
    country: str = ""
    kind: str = PartnerKind.UNIVERSITY_LIBRARY.value
    tags: str = ""
    public: bool = True

    @classmethod
    def of(cls, partner: Partner) -> PartnerForm:
        rows = [(n["lang"], n["value"]) for n in partner.names]
        rows += [("", "")] * max(0, NAME_ROWS - len(rows))
        return cls(rows, partner.country, partner.kind, ", ".join(partner.tags), partner.public)

    @classmethod
    def empty(cls) -> PartnerForm:
        return cls(names=[("", "")] * NAME_ROWS)

    @classmethod
    def parse(cls, data: FormData) -> PartnerForm:
        def text(name: str, limit: int = 300) -> str:
            value = data.get(name, "")
            return value.strip()[:limit] if isinstance(value, str) else ""

        rows = [(text(f"name-{i}-lang", 35), text(f"name-{i}-value")) for i in range(NAME_ROWS)]
        return cls(
            names=rows,
            country=text("country", 2),
            kind=text("kind", 30),
            tags=text("tags", 2000),
            public=data.get("public") == "1",
        )

    def _names(self) -> tuple[list[tuple[str, str]], list[int]]:
        kept = [(i, row) for i, row in enumerate(self.names) if row[0] or row[1]]
        return [row for _, row in kept], [i for i, _ in kept]

    def _tags(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    def _kind(self) -> PartnerKind:
        return PartnerKind(self.kind) if self.kind in _KINDS else PartnerKind.UNIVERSITY_LIBRARY

    def draft(self) -> tuple[PartnerDraft, list[int]]:
        names, positions = self._names()
        return PartnerDraft(names, self.country, self._kind(), self._tags(), self.public), positions

    def patch(self, current: Partner) -> tuple[PartnerPatch, list[int]]:
        """Only what changed: tags are policy-bearing, so an unchanged list is not sent."""
        names, positions = self._names()
        tags = self._tags()
        return (
            PartnerPatch(
                names=names,
                country=self.country,
                kind=self._kind(),
                tags=None if sorted(set(tags)) == sorted(current.tags) else tags,
                public=None if self.public == current.public else self.public,
            ),
            positions,
        )
