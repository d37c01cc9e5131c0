"""The rows a work draft becomes: validated, normalized, not yet written.

``prepare`` is pure (no I/O) and builds plain column dictionaries rather than ORM objects:
the batch writer inserts them with one executemany per table, and building 50,000 SQLModel
instances (validation of defaults, instrumented attribute sets) would cost more than the
inserts themselves. The single-work writer turns them into ORM rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.catalogue import search, validation
from exchange.catalogue.models import SNAPSHOT_FIELDS, IdentifierScheme
from exchange.catalogue.validation import WorkDraft
from exchange.errors import FieldError, ValidationFailed
from exchange.ids import uuid7

Columns = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated work: its own columns (without id and creation fields), the columns of
    its related rows, and the audit document of its new state."""

    work: Columns
    contributors: list[Columns]
    identifiers: list[Columns]
    issues: list[Columns]
    links: list[Columns]
    audit: dict[str, Any]


def prepare(
    draft: WorkDraft,
    work_id: uuid.UUID,
    partner_id: uuid.UUID,
    known_partners: set[uuid.UUID],
    now: datetime,
) -> Prepared:
    """Validate ``draft`` as the work ``work_id`` (the scope of its call numbers) of
    ``partner_id`` (its creator). ``known_partners`` holds the co-authors known to exist.
    Raises ValidationFailed with every problem found."""
    errors: list[FieldError] = []
    titles = validation.titles(draft.titles, errors)
    language = validation.language(draft.language, errors)
    contributors = validation.contributors(draft.contributors, errors)
    subjects = validation.subjects(draft.subjects, errors)
    publisher = validation.text(draft.publisher, "publisher", 300, errors)
    year = validation.year(draft.year, "year", errors)
    course_number = validation.text(draft.course_number, "courseNumber", 50, errors)
    instructor = validation.text(draft.instructor, "instructor", 300, errors)
    identifiers = validation.identifier_values(draft.identifiers, work_id, errors)
    validation.kind_fields(draft, errors)
    co_authors = sorted(set(draft.co_author_partner_ids))
    if set(co_authors) - known_partners:
        errors.append(FieldError("coAuthorPartnerIds", "unknown_partner", "not a partner"))
    if errors:
        raise ValidationFailed(errors)
    searchable = [t["value"] for t in titles] + subjects + [publisher or ""]
    searchable += [n for c in contributors for n in (c.name, c.romanized or "")]
    searchable += [course_number or "", instructor or ""]
    searchable += [value for scheme, value, _ in identifiers if scheme == IdentifierScheme.ISBN]
    search_text = search.fold("\n".join(s for s in searchable if s))
    work: Columns = {
        "kind": draft.kind.value,
        "titles": titles,
        "publisher": publisher,
        "year": year,
        "language": language,
        "subjects": subjects,
        "level": None if draft.level is None else draft.level.value,
        "course_number": course_number,
        "instructor": instructor,
        "duration_seconds": draft.duration_seconds,
        "search_text": search_text,
        "search_tokens": search.tokens(search_text),
        "title_hash": search.title_key(titles[0]["value"]),
        "updated_at": now,
    }
    snapshot = {name: work[name] for name in SNAPSHOT_FIELDS}
    return Prepared(
        work,
        [
            {
                "id": uuid7(),
                "work_id": work_id,
                "position": position,
                "name": c.name,
                "romanized": c.romanized,
                "role": c.role.value,
            }
            for position, c in enumerate(contributors)
        ],
        [
            {
                "id": uuid7(),
                "work_id": work_id,
                "scheme": scheme,
                "value": value,
                "qualifier": qualifier,
            }
            for scheme, value, qualifier in identifiers
        ],
        [
            {
                "id": uuid7(),
                "work_id": work_id,
                "volume": i.volume.strip(),
                "number": i.number.strip(),
                "year": i.year,
            }
            for i in draft.issues
        ],
        [{"work_id": work_id, "partner_id": p} for p in co_authors],
        {
            **snapshot,
            "created_by_partner_id": str(partner_id),
            "contributors": [[c.name, c.romanized, c.role.value] for c in contributors],
            "identifiers": [
                [scheme, value] if qualifier is None else [scheme, value, qualifier]
                for scheme, value, qualifier in identifiers
            ],
            "issues": sorted(
                ([i.volume, i.number, i.year] for i in draft.issues),
                key=lambda i: (i[2], i[0], i[1]),  # as they are read back: oldest first
            ),
            "co_authors": [str(p) for p in co_authors],
        },
    )
