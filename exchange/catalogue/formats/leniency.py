"""One bad field never rejects an imported record: ``fit`` bends a draft read from a file
into what the catalogue accepts, and says what it changed.

The interactive API stays strict (a librarian typing a wrong ISBN is told so); a file
holds what other catalogues wrote decades ago, and losing a whole record for one field
loses more than it protects. So, field by field (limits from ``catalogue.validation``):

- text longer than its limit (a subject over 100 characters, a title over 500) is cut,
  ending in "…"; lists longer than theirs keep their first items;
- an ISBN that fails its check digit or format is kept as an invalid ISBN (MARC 020 $z
  meaning): shown, never used to match; invalid ISSNs and DOIs, and over-long call
  numbers, are left out;
- a year outside 1000 to next years is left out (the readers first try the fixed field);
- a title language tag that is not BCP 47 becomes the work's language;
- text holding U+FFFD (bytes the declared encoding could not decode) or no letter at all
  (a Windows-1251 record read as MARC-8 decodes to combining marks) is kept, flagged.

Only a record with no title left, or with fields that contradict its kind (issues of a
non-journal), is still rejected, by the service, with its reasons.
"""

from __future__ import annotations

import dataclasses
import uuid

from exchange import clock
from exchange.catalogue import identifiers, validation
from exchange.catalogue.models import IdentifierScheme
from exchange.catalogue.validation import ContributorDraft, WorkDraft
from exchange.errors import FieldError
from exchange.partners.validation import language_tag

ISBN = IdentifierScheme.ISBN
NO_SCOPE = uuid.UUID(int=0)  # checking only: the value is not kept


def cut(text: str, limit: int) -> str:
    """``text`` whitespace-collapsed, at most ``limit`` characters (ending in "…")."""
    value = " ".join(text.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


split_isbn = identifiers.split_isbn


def _long(name: str, value: str | None, limit: int, warnings: list[str]) -> str | None:
    if value is None:
        return None
    fitted = cut(value, limit)
    if fitted != " ".join(value.split()):
        warnings.append(f"{name}: cut to {limit} characters")
    return fitted or None


def _identifiers(
    raw: list[tuple[IdentifierScheme, str]], warnings: list[str]
) -> list[tuple[IdentifierScheme, str]]:
    kept: list[tuple[IdentifierScheme, str]] = []
    for scheme, value in raw:
        if scheme is ISBN:
            number, _ = split_isbn(value)
            if identifiers.valid_isbn(number) is None:
                warnings.append(f"identifiers: ISBN {value!r} is invalid; kept as invalid ISBN")
                kept.append((IdentifierScheme.INVALID_ISBN, value.strip()))
            else:
                kept.append((ISBN, value.strip()))  # with its qualifier
            continue
        problems: list[FieldError] = []
        identifiers.normalize(scheme, value, "identifier", problems, NO_SCOPE)
        if problems:
            warnings.append(
                f"identifiers: {scheme.value} {value!r} left out: {problems[0].message}"
            )
        else:
            kept.append((scheme, value))
    if len(kept) > validation.MAX_IDENTIFIERS:
        warnings.append(f"identifiers: only the first {validation.MAX_IDENTIFIERS} kept")
    return kept[: validation.MAX_IDENTIFIERS]


def _suspicious(text: str) -> str | None:
    if "\ufffd" in text:
        return "holds U+FFFD: bytes not in the encoding the record declares"
    if not any(c.isalpha() for c in text):
        return "holds no letter: perhaps not in the encoding the record declares"
    return None


def fit(draft: WorkDraft) -> tuple[WorkDraft, list[str]]:
    """The draft the catalogue will accept, and a warning per change (``field: what``)."""
    warnings: list[str] = []
    titles: list[tuple[str, str]] = []
    for lang, value in draft.titles:
        text = _long("title", value, validation.MAX_TITLE, warnings)
        if text is None:
            continue
        problems: list[FieldError] = []
        tag = language_tag(lang, "lang", problems)
        if problems:
            warnings.append(f"title: language {lang!r} read as {draft.language!r}")
            tag = draft.language
        titles.append((tag, text))
    if len(titles) > validation.MAX_TITLES:
        warnings.append(f"titles: only the first {validation.MAX_TITLES} kept")
    contributors = [
        ContributorDraft(name, c.role, _long("contributor", c.romanized, 300, warnings))
        for c in draft.contributors
        if (name := _long("contributor", c.name, 300, warnings))
    ]
    if len(contributors) > validation.MAX_CONTRIBUTORS:
        warnings.append(f"contributors: only the first {validation.MAX_CONTRIBUTORS} kept")
    subjects = [s for v in draft.subjects if (s := _long("subject", v, 100, warnings))]
    if len(subjects) > validation.MAX_SUBJECTS:
        warnings.append(f"subjects: only the first {validation.MAX_SUBJECTS} kept")
    year = draft.year
    if year is not None and not validation.MIN_YEAR <= year <= clock.now().year + 5:
        warnings.append(f"year: {year} is out of range; left out")
        year = None
    fitted = dataclasses.replace(
        draft,
        titles=titles[: validation.MAX_TITLES],
        contributors=contributors[: validation.MAX_CONTRIBUTORS],
        subjects=subjects[: validation.MAX_SUBJECTS],
        publisher=_long("publisher", draft.publisher, 300, warnings),
        year=year,
        identifiers=_identifiers(draft.identifiers, warnings),
        course_number=_long("courseNumber", draft.course_number, 50, warnings),
        instructor=_long("instructor", draft.instructor, 300, warnings),
    )
    texts = [("title", v) for _, v in fitted.titles]
    texts += [("contributor", c.name) for c in fitted.contributors]
    texts += [("publisher", fitted.publisher or "x")]
    for name, text in texts:
        if (problem := _suspicious(text)) is not None:
            warnings.append(f"{name}: {text[:40]!r} {problem}")
    return fitted, warnings
