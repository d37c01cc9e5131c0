"""The request form: each line names a work (found in the catalogue from the line) or
describes a need (subject, language, level, kind); turned into a ``RequestDraft`` or into
errors shown next to the fields they concern."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from exchange import errors
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.pages import partner_picker, web
from exchange.pages.i18n import N_
from exchange.requests.models import Priority
from exchange.requests.service import MAX_LINES, MAX_QUANTITY, RequestDraft, RequestLineDraft

SHOWN_LINES = 2
_LINE_FIELD = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")
_LINE_FIELDS = {"workId": "work", None: "work"}
_KINDS = frozenset(k.value for k in WorkKind)
_LEVELS = frozenset(v.value for v in WorkLevel)
_PRIORITIES = frozenset(p.value for p in Priority)


def field_id(domain_field: str, positions: list[int]) -> str:
    """Where a domain error is shown (``lines[0]`` → the line's work field)."""
    if match := _LINE_FIELD.match(domain_field):
        index, name = match.groups()
        line = positions[int(index)] if int(index) < len(positions) else int(index)
        return f"line-{line}-{_LINE_FIELDS.get(name, name)}"
    return {"partnerId": "partner"}.get(domain_field, domain_field)


@dataclass
class NeedInput:
    query: str = ""
    work_id: str = ""
    subject: str = ""
    language: str = ""
    level: str = ""
    kind: str = ""
    quantity: str = "1"
    priority: str = Priority.NORMAL.value

    @property
    def blank(self) -> bool:
        return not any(
            (self.query, self.work_id, self.subject, self.language, self.level, self.kind)
        )


@dataclass
class RequestForm:
    partner_id: str = ""
    note: str = ""
    lines: list[NeedInput] = field(default_factory=list)

    @classmethod
    def empty(cls, partner_id: str) -> RequestForm:
        return cls(partner_id, lines=[NeedInput() for _ in range(SHOWN_LINES)])

    @classmethod
    def parse(cls, data: FormData) -> RequestForm:
        def text(name: str) -> str:
            value = data.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        raw_count = text("line_count")
        count = web.whole_number(raw_count, "line_count", high=MAX_LINES) if raw_count else 0
        return cls(
            partner_id=text("partner"),
            note=text("note"),
            lines=[
                NeedInput(
                    query=text(f"line-{i}-query"),
                    work_id=text(f"line-{i}-work"),
                    subject=text(f"line-{i}-subject"),
                    language=text(f"line-{i}-language"),
                    level=text(f"line-{i}-level"),
                    kind=text(f"line-{i}-kind"),
                    quantity=text(f"line-{i}-quantity"),
                    priority=text(f"line-{i}-priority"),
                )
                for i in range(count)
            ],
        )

    def add_line(self) -> None:
        if len(self.lines) < MAX_LINES:
            self.lines.append(NeedInput())

    def draft(self) -> tuple[RequestDraft, list[int]]:
        """The request to create and the form line of each of its lines; or
        ``ValidationFailed`` with this form's field ids."""
        problems: list[errors.FieldError] = []
        partner_id = partner_picker.required_partner_id(self.partner_id, problems)
        drafts: list[RequestLineDraft] = []
        positions: list[int] = []
        for index, need in enumerate(self.lines):
            if need.blank:
                continue
            work_id: uuid.UUID | None = None
            if need.work_id:
                try:
                    work_id = uuid.UUID(need.work_id)
                except ValueError:
                    work_id = None
            described = any((need.subject, need.language, need.level, need.kind))
            if work_id is None and not described:
                message = N_("Find the work and choose it, or describe the need.")
                problems.append(errors.FieldError(f"line-{index}-work", "required", message))
                continue
            try:
                # the service's bound, so that the page says what the service would
                quantity = web.whole_number(
                    need.quantity, f"line-{index}-quantity", low=1, high=MAX_QUANTITY
                )
            except errors.ValidationFailed as error:
                problems.extend(error.errors)
                continue
            positions.append(index)
            drafts.append(
                RequestLineDraft(
                    quantity=quantity,
                    priority=Priority(need.priority)
                    if need.priority in _PRIORITIES
                    else Priority.NORMAL,
                    work_id=work_id,
                    subject=need.subject or None,
                    language=need.language or None,
                    level=WorkLevel(need.level) if need.level in _LEVELS else None,
                    kind=WorkKind(need.kind) if need.kind in _KINDS else None,
                )
            )
        if not drafts and not problems:
            message = N_("Add at least one line.")
            problems.append(errors.FieldError("line-0-work", "required", message))
        if problems:
            raise errors.ValidationFailed(problems)
        return RequestDraft(partner_id, drafts, self.note), positions
