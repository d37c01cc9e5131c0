"""The offer form: what a librarian typed, turned into an ``OfferDraft`` or into errors
shown next to the fields they concern. Works are picked by searching the catalogue from
each line (plain form: "Find" re-renders the form with the matches to choose from)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from starlette.datastructures import FormData

from exchange import clock, errors
from exchange.offers.models import Condition, Format
from exchange.offers.service import MAX_LINES, MAX_QUANTITY, OfferDraft, OfferLineDraft
from exchange.pages import partner_picker, web
from exchange.pages.i18n import N_

SHOWN_LINES = 3
DEFAULT_DAYS = 90
# Domain field names (as the service reports them) → this form's field ids.
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")
_FIELDS = {"expiresAt": "expires", "partnerId": "partner", "licence": "licence", "terms": "terms"}
_LINE_FIELDS = {"workId": "work", "quantity": "quantity", "format": "format"}
_FORMATS = frozenset(f.value for f in Format)
_CONDITIONS = frozenset(c.value for c in Condition)


def field_id(domain_field: str, positions: list[int]) -> str:
    """Where a domain error is shown: ``lines[2].quantity`` → ``line-5-quantity`` when the
    offer's third line is the form's sixth (``positions``)."""
    if match := _LINE_FIELD.match(domain_field):
        index, name = match.groups()
        line = positions[int(index)] if int(index) < len(positions) else int(index)
        return f"line-{line}-{_LINE_FIELDS.get(name, name)}"
    return _FIELDS.get(domain_field, domain_field)


@dataclass
class LineInput:
    query: str = ""
    work_id: str = ""
    quantity: str = "1"
    format: str = Format.PRINT.value
    condition: str = Condition.GOOD.value

    @property
    def blank(self) -> bool:
        return not self.work_id and not self.query


@dataclass
class OfferForm:
    partner_id: str = ""
    expires: str = ""
    terms: str = ""
    licence: str = ""
    lines: list[LineInput] = field(default_factory=list)

    @classmethod
    def empty(cls, partner_id: str) -> OfferForm:
        expires = (clock.now() + timedelta(days=DEFAULT_DAYS)).date().isoformat()
        return cls(partner_id, expires, lines=[LineInput() for _ in range(SHOWN_LINES)])

    @classmethod
    def parse(cls, data: FormData) -> OfferForm:
        def text(name: str) -> str:
            value = data.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        raw_count = text("line_count")
        count = web.whole_number(raw_count, "line_count", high=MAX_LINES) if raw_count else 0
        lines = [
            LineInput(
                query=text(f"line-{i}-query"),
                work_id=text(f"line-{i}-work"),
                quantity=text(f"line-{i}-quantity"),
                format=text(f"line-{i}-format"),
                condition=text(f"line-{i}-condition"),
            )
            for i in range(count)
        ]
        return cls(
            partner_id=text("partner"),
            expires=text("expires"),
            terms=text("terms"),
            licence=text("licence"),
            lines=lines,
        )

    def add_line(self) -> None:
        if len(self.lines) < MAX_LINES:
            self.lines.append(LineInput())

    def draft(self) -> tuple[OfferDraft, list[int]]:
        """The offer to create, and the form line of each of its lines (blank lines are
        skipped); ``ValidationFailed`` with this form's field ids otherwise. The service
        checks the rest (quantities, conditions, licence, expiry)."""
        problems: list[errors.FieldError] = []
        partner_id = partner_picker.required_partner_id(self.partner_id, problems)
        expires = _end_of_day(self.expires)
        if expires is None:
            problems.append(errors.FieldError("expires", "invalid", N_("Enter a date.")))
        drafts: list[OfferLineDraft] = []
        positions: list[int] = []
        for index, line in enumerate(self.lines):
            if line.blank:
                continue
            work_id = _uuid(line.work_id)
            if work_id is None:
                message = N_("Find the work and choose it.")
                problems.append(errors.FieldError(f"line-{index}-work", "required", message))
                continue
            try:
                # the service's bound, so that the page says what the service would
                quantity = web.whole_number(
                    line.quantity, f"line-{index}-quantity", low=1, high=MAX_QUANTITY
                )
            except errors.ValidationFailed as error:
                problems.extend(error.errors)
                continue
            kind = Format(line.format) if line.format in _FORMATS else Format.PRINT
            condition = Condition(line.condition) if line.condition in _CONDITIONS else None
            positions.append(index)
            drafts.append(
                OfferLineDraft(
                    work_id,
                    quantity,
                    kind,
                    condition if kind is Format.PRINT else None,
                )
            )
        if not drafts and not problems:
            message = N_("Add at least one line.")
            problems.append(errors.FieldError("line-0-work", "required", message))
        if problems:
            raise errors.ValidationFailed(problems)
        assert partner_id is not None
        assert expires is not None
        draft = OfferDraft(partner_id, drafts, expires, self.terms, self.licence or None)
        return draft, positions


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _end_of_day(raw: str) -> datetime | None:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
