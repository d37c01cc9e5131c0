"""Checks and normal forms for work input. Field names are those of the GraphQL input."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

import pycountry

from exchange import clock
from exchange import text as text_rule
from exchange.catalogue import identifiers
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.errors import FieldError
from exchange.messages import N_
from exchange.partners.validation import language_tag

MAX_TITLE = 500
MAX_TITLES = 12
MAX_CONTRIBUTORS = 50
MAX_SUBJECTS = 20
MAX_IDENTIFIERS = 20
MAX_ISSUES = 500
MIN_YEAR = 1000


class ContributorRole(StrEnum):
    AUTHOR = "author"
    EDITOR = "editor"
    TRANSLATOR = "translator"
    INSTRUCTOR = "instructor"
    PRESENTER = "presenter"
    CONTRIBUTOR = "contributor"


@dataclass(frozen=True, slots=True)
class ContributorDraft:
    name: str
    role: ContributorRole = ContributorRole.AUTHOR
    romanized: str | None = None


@dataclass(frozen=True, slots=True)
class IssueDraft:
    volume: str
    number: str
    year: int


@dataclass(frozen=True, slots=True)
class WorkDraft:
    kind: WorkKind
    titles: list[tuple[str, str]]
    language: str
    partner_id: uuid.UUID | None = None
    contributors: list[ContributorDraft] = field(default_factory=list)
    publisher: str | None = None
    year: int | None = None
    subjects: list[str] = field(default_factory=list)
    level: WorkLevel | None = None
    identifiers: list[tuple[IdentifierScheme, str]] = field(default_factory=list)
    issues: list[IssueDraft] = field(default_factory=list)
    co_author_partner_ids: list[uuid.UUID] = field(default_factory=list)
    course_number: str | None = None
    instructor: str | None = None
    duration_seconds: int | None = None


def text(raw: str | None, name: str, limit: int, errors: list[FieldError]) -> str | None:
    """Whitespace-collapsed text, None when blank."""
    if raw is None:
        return None
    value = " ".join(text_rule.check(raw, name, errors, limit=limit).split())
    return value or None


def titles(raw: list[tuple[str, str]], errors: list[FieldError]) -> list[dict[str, str]]:
    if not raw:
        errors.append(FieldError("titles", "required", "at least one title is required"))
    if len(raw) > MAX_TITLES:
        errors.append(
            FieldError(
                "titles", "too_many", N_("at most {max_titles} titles", max_titles=MAX_TITLES)
            )
        )
    result: list[dict[str, str]] = []
    for index, (lang, value) in enumerate(raw):
        tag = language_tag(lang, f"titles[{index}].lang", errors)
        title = text(value, f"titles[{index}].value", MAX_TITLE, errors)
        if title is None:
            errors.append(FieldError(f"titles[{index}].value", "required", "a title is empty"))
        result.append({"lang": tag, "value": title or ""})
    return result


def language(raw: str, errors: list[FieldError]) -> str:
    """An ISO 639 code, as its two-letter form where one exists (``kor`` -> ``ko``)."""
    code = raw.strip().lower()
    found = None
    if len(code) == 2:
        found = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        found = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
    if found is None:
        errors.append(
            FieldError("language", "unknown_language", N_("{raw} is not ISO 639", raw=repr(raw)))
        )
        return code[:3]
    return str(getattr(found, "alpha_2", None) or found.alpha_3)


def year(raw: int | None, name: str, errors: list[FieldError]) -> int | None:
    if raw is not None and not MIN_YEAR <= raw <= clock.now().year + 5:
        errors.append(
            FieldError(
                name, "out_of_range", N_("a year from {min_year} to next years", min_year=MIN_YEAR)
            )
        )
    return raw


def subjects(raw: list[str], errors: list[FieldError]) -> list[str]:
    if len(raw) > MAX_SUBJECTS:
        errors.append(
            FieldError(
                "subjects",
                "too_many",
                N_("at most {max_subjects} subjects", max_subjects=MAX_SUBJECTS),
            )
        )
    result: list[str] = []
    for index, subject in enumerate(raw):
        value = text(subject, f"subjects[{index}]", 100, errors)
        if value and value not in result:
            result.append(value)
    return result


def contributors(raw: list[ContributorDraft], errors: list[FieldError]) -> list[ContributorDraft]:
    if len(raw) > MAX_CONTRIBUTORS:
        errors.append(
            FieldError(
                "contributors",
                "too_many",
                N_("at most {max_contributors}", max_contributors=MAX_CONTRIBUTORS),
            )
        )
    result: list[ContributorDraft] = []
    for index, item in enumerate(raw):
        name = text(item.name, f"contributors[{index}].name", 300, errors)
        if name is None:
            errors.append(FieldError(f"contributors[{index}].name", "required", "name is empty"))
        romanized = text(item.romanized, f"contributors[{index}].romanized", 300, errors)
        result.append(ContributorDraft(name or "", item.role, romanized))
    return result


def identifier_values(
    raw: list[tuple[IdentifierScheme, str]], scope: uuid.UUID, errors: list[FieldError]
) -> list[tuple[str, str, str | None]]:
    """Normalized (scheme, value, qualifier) triples, an ISBN-10 and ISBN-13 of one book
    counted once (the first one's qualifier kept)."""
    if len(raw) > MAX_IDENTIFIERS:
        errors.append(
            FieldError(
                "identifiers",
                "too_many",
                N_("at most {max_identifiers}", max_identifiers=MAX_IDENTIFIERS),
            )
        )
    result: list[tuple[str, str, str | None]] = []
    seen: set[tuple[str, str]] = set()
    for index, (scheme, value) in enumerate(raw):
        normal = identifiers.normalize(scheme, value, f"identifiers[{index}].value", errors, scope)
        if normal is not None and (scheme.value, normal) not in seen:
            seen.add((scheme.value, normal))
            result.append((scheme.value, normal, identifiers.qualifier(scheme, value)))
    return result


def kind_fields(draft: WorkDraft, errors: list[FieldError]) -> None:
    """Fields that only some kinds of work may have."""
    if draft.issues and draft.kind is not WorkKind.JOURNAL:
        errors.append(FieldError("issues", "not_allowed", "only journals have issues"))
    if len(draft.issues) > MAX_ISSUES:
        errors.append(
            FieldError(
                "issues", "too_many", N_("at most {max_issues} issues", max_issues=MAX_ISSUES)
            )
        )
    seen: set[tuple[str, str]] = set()
    for index, issue in enumerate(draft.issues):
        key = (issue.volume.strip(), issue.number.strip())
        if not key[0] or not key[1] or len(key[0]) > 20 or len(key[1]) > 20:
            errors.append(FieldError(f"issues[{index}]", "invalid", "volume and number: 1-20"))
        if key in seen:
            errors.append(FieldError(f"issues[{index}]", "duplicate", "this issue is listed"))
        seen.add(key)
        year(issue.year, f"issues[{index}].year", errors)
    if draft.kind is WorkKind.CO_PUBLICATION:
        if len(set(draft.co_author_partner_ids)) < 2:
            errors.append(
                FieldError("coAuthorPartnerIds", "too_few", "a co-publication has 2+ partners")
            )
    elif draft.co_author_partner_ids:
        errors.append(
            FieldError("coAuthorPartnerIds", "not_allowed", "only co-publications have them")
        )
    if draft.kind is not WorkKind.RECORDED_LECTURE:
        for name, value in (
            ("courseNumber", draft.course_number),
            ("instructor", draft.instructor),
            ("durationSeconds", draft.duration_seconds),
        ):
            if value is not None:
                errors.append(FieldError(name, "not_allowed", "only recorded lectures have it"))
    if draft.duration_seconds is not None and not 0 < draft.duration_seconds <= 86_400:
        errors.append(FieldError("durationSeconds", "out_of_range", "1 second to 24 hours"))
