"""The cataloguing form: what a librarian typed, turned into a ``WorkDraft`` (or the patch
of an edit), or into errors shown next to the fields they concern. Titles, identifiers and
contributors are repeated rows; "Add a row" re-renders the form with one more of each
(plain form, no JavaScript needed). The domain checks everything it owns (language tags,
ISBN check digits, years, lengths); this form only reads numbers and choices."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from exchange import errors
from exchange.catalogue import identifiers as identifier_rules
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.record import WorkRecord
from exchange.catalogue.service import Clearable, WorkPatch
from exchange.catalogue.validation import (
    MAX_CONTRIBUTORS,
    MAX_IDENTIFIERS,
    MAX_TITLES,
    ContributorDraft,
    ContributorRole,
    WorkDraft,
)
from exchange.pages import partner_picker, web
from exchange.pages.i18n import N_
from exchange.pages.work_rows import ContributorInput, IdentifierInput, TitleInput, filled

SHOWN_ROWS = 2  # empty rows of each list on a new form
MAX_ROWS = max(MAX_TITLES, MAX_IDENTIFIERS, MAX_CONTRIBUTORS)
KINDS = tuple(k.value for k in WorkKind)
LEVELS = tuple(v.value for v in WorkLevel)
ROLES = tuple(r.value for r in ContributorRole)
# what a librarian picks from; a work read from a record keeps its own (an invalid ISBN)
SCHEMES = tuple(s.value for s in IdentifierScheme if s is not IdentifierScheme.INVALID_ISBN)
_ALL_SCHEMES = frozenset(s.value for s in IdentifierScheme)


@dataclass
class WorkForm:
    """The form as typed (every value a string, kept to show it again)."""

    partner_id: str = ""
    kind: str = WorkKind.TEXTBOOK.value
    language: str = ""
    level: str = ""
    year: str = ""
    publisher: str = ""
    subjects: str = ""  # one a line
    course_number: str = ""
    instructor: str = ""
    duration_minutes: str = ""
    titles: list[TitleInput] = field(default_factory=list)
    identifiers: list[IdentifierInput] = field(default_factory=list)
    contributors: list[ContributorInput] = field(default_factory=list)

    @classmethod
    def empty(cls, partner_id: str) -> WorkForm:
        return cls(
            partner_id,
            titles=[TitleInput() for _ in range(SHOWN_ROWS)],
            identifiers=[IdentifierInput() for _ in range(SHOWN_ROWS)],
            contributors=[ContributorInput() for _ in range(SHOWN_ROWS)],
        )

    @classmethod
    def of(cls, found: WorkRecord) -> WorkForm:
        """The form showing a catalogued work as it is, with one empty row of each list."""
        work = found.work
        minutes = "" if work.duration_seconds is None else str(work.duration_seconds // 60)
        return cls(
            partner_id=str(work.created_by_partner_id),
            kind=work.kind,
            language=work.language,
            level=work.level or "",
            year="" if work.year is None else str(work.year),
            publisher=work.publisher or "",
            subjects="\n".join(work.subjects),
            course_number=work.course_number or "",
            instructor=work.instructor or "",
            duration_minutes=minutes,
            titles=[TitleInput(t["lang"], t["value"]) for t in work.titles] + [TitleInput()],
            identifiers=[
                IdentifierInput(i.scheme, identifier_rules.written(i.scheme, i.value, i.qualifier))
                for i in found.relations.identifiers
            ]
            + [IdentifierInput()],
            contributors=[
                ContributorInput(c.name, c.romanized or "", c.role)
                for c in found.relations.contributors
            ]
            + [ContributorInput()],
        )

    @classmethod
    def parse(cls, data: FormData) -> WorkForm:
        """The posted form; ``ValidationFailed`` for a row count that is not a number (a
        hidden field tampered with)."""

        def text(name: str) -> str:
            value = data.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        def count(name: str) -> int:
            raw = text(name)
            return web.whole_number(raw, name, high=MAX_ROWS) if raw else 0

        return cls(
            partner_id=text("partner"),
            kind=text("kind"),
            language=text("language"),
            level=text("level"),
            year=text("year"),
            publisher=text("publisher"),
            subjects=text("subjects"),
            course_number=text("course_number"),
            instructor=text("instructor"),
            duration_minutes=text("duration_minutes"),
            titles=[
                TitleInput(text(f"title-{i}-lang"), text(f"title-{i}-value"))
                for i in range(count("title_count"))
            ],
            identifiers=[
                IdentifierInput(text(f"identifier-{i}-scheme"), text(f"identifier-{i}-value"))
                for i in range(count("identifier_count"))
            ],
            contributors=[
                ContributorInput(
                    text(f"contributor-{i}-name"),
                    text(f"contributor-{i}-romanized"),
                    text(f"contributor-{i}-role"),
                )
                for i in range(count("contributor_count"))
            ],
        )

    def add_rows(self) -> None:
        """One more empty row of each list (up to the domain's limits)."""
        if len(self.titles) < MAX_TITLES:
            self.titles.append(TitleInput())
        if len(self.identifiers) < MAX_IDENTIFIERS:
            self.identifiers.append(IdentifierInput())
        if len(self.contributors) < MAX_CONTRIBUTORS:
            self.contributors.append(ContributorInput())

    def schemes(self) -> list[str]:
        """The schemes the identifier rows offer: the usual ones and any a row holds."""
        held = [i.scheme for i in self.identifiers if i.scheme in _ALL_SCHEMES - set(SCHEMES)]
        return [*SCHEMES, *dict.fromkeys(held)]

    def draft(self) -> WorkDraft:
        """The work to catalogue. Blank rows are left out only after the last filled one,
        so that the domain's row numbers are the form's; ``ValidationFailed`` with this
        form's field ids for what the form itself reads (choices, numbers)."""
        problems: list[errors.FieldError] = []
        kind = self.kind if self.kind in KINDS else None
        if kind is None:
            problems.append(
                errors.FieldError("kind", "invalid", N_("Choose a kind from the list."))
            )
        level = self.level if self.level in LEVELS or not self.level else None
        if level is None:
            problems.append(
                errors.FieldError("level", "invalid", N_("Choose a level from the list."))
            )
        partner = None  # the domain's default: the librarian's one partner
        try:
            partner = partner_picker.partner_id(self.partner_id)
        except errors.ValidationFailed as error:
            problems.extend(error.errors)
        year = self._number("year", self.year, 9999, problems)
        minutes = self._number("duration_minutes", self.duration_minutes, 1440, problems)
        schemes = set(self.schemes())
        identifiers: list[tuple[IdentifierScheme, str]] = []
        for index, row in enumerate(filled(self.identifiers)):
            if row.scheme not in schemes:
                message = N_("Choose a kind of identifier.")
                problems.append(errors.FieldError(f"identifier-{index}-scheme", "invalid", message))
                continue
            identifiers.append((IdentifierScheme(row.scheme), row.value))
        contributors: list[ContributorDraft] = []
        for index, person in enumerate(filled(self.contributors)):
            if person.role not in ROLES:
                message = N_("Choose a role from the list.")
                problems.append(errors.FieldError(f"contributor-{index}-role", "invalid", message))
                continue
            role = ContributorRole(person.role)
            contributors.append(ContributorDraft(person.name, role, person.romanized or None))
        if problems:
            raise errors.ValidationFailed(problems)
        assert kind is not None
        return WorkDraft(
            kind=WorkKind(kind),
            titles=[(t.lang, t.value) for t in filled(self.titles)],
            language=self.language,
            partner_id=partner,
            contributors=contributors,
            publisher=self.publisher or None,
            year=year,
            subjects=[s.strip() for s in self.subjects.splitlines() if s.strip()],
            level=WorkLevel(level) if level else None,
            identifiers=identifiers,
            course_number=self.course_number or None,
            instructor=self.instructor or None,
            duration_seconds=None if minutes is None else minutes * 60,
        )

    def patch(self) -> WorkPatch:
        """The edit: every field of the form replaces the work's (journal issues and
        co-authors, which this form does not show, are kept). The form always posts every
        field, so an optional one left empty (publisher, year, level, a lecture's course
        number, instructor or duration) is cleared."""
        draft = self.draft()
        optional: dict[Clearable, object] = {
            "publisher": draft.publisher,
            "year": draft.year,
            "level": draft.level,
            "course_number": draft.course_number,
            "instructor": draft.instructor,
            "duration_seconds": draft.duration_seconds,
        }
        return WorkPatch(
            kind=draft.kind,
            titles=draft.titles,
            language=draft.language,
            contributors=draft.contributors,
            publisher=draft.publisher,
            year=draft.year,
            subjects=draft.subjects,
            level=draft.level,
            identifiers=draft.identifiers,
            course_number=draft.course_number,
            instructor=draft.instructor,
            duration_seconds=draft.duration_seconds,
            cleared=frozenset(name for name, value in optional.items() if value is None),
        )

    @staticmethod
    def _number(name: str, raw: str, high: int, problems: list[errors.FieldError]) -> int | None:
        if not raw:
            return None
        try:
            # the domain checks the range it accepts (years from 1000 to next years)
            return web.whole_number(raw, name, high=high)
        except errors.ValidationFailed as error:
            problems.extend(error.errors)
            return None
