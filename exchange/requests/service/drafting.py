"""A new request: its draft, the rules the draft must meet, and its creation (open, with
its lines)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import col, select

from exchange import clock, text
from exchange.audit.chain import AuditRecord
from exchange.catalogue import validation as catalogue_validation
from exchange.catalogue.models import Work, WorkKind, WorkLevel
from exchange.db.uow import UnitOfWork
from exchange.errors import FieldError, ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.requests.models import Priority, RequestLine, RequestState, ResourceRequest

MAX_QUANTITY = 100_000
MAX_LINES = 500


@dataclass(frozen=True, slots=True)
class RequestLineDraft:
    quantity: int
    priority: Priority = Priority.NORMAL
    work_id: uuid.UUID | None = None
    subject: str | None = None
    language: str | None = None
    level: WorkLevel | None = None
    kind: WorkKind | None = None


@dataclass(frozen=True, slots=True)
class RequestDraft:
    partner_id: uuid.UUID | None  # default: the caller's own library
    lines: list[RequestLineDraft]
    note: str = ""


def _validate(draft: RequestDraft) -> list[FieldError]:
    if len(draft.lines) > MAX_LINES:  # refused whole: nothing is done per line
        raise ValidationFailed.single(
            "lines", "too_many", N_("at most {max_lines} lines", max_lines=MAX_LINES)
        )
    errors: list[FieldError] = []
    if not draft.lines:
        errors.append(FieldError("lines", "required", "a request has at least one line"))
    for index, line in enumerate(draft.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(
                FieldError(
                    f"lines[{index}].quantity",
                    "out_of_range",
                    N_("between 1 and {max_quantity}", max_quantity=MAX_QUANTITY),
                )
            )
        described = any(v is not None for v in (line.subject, line.language, line.level, line.kind))
        if line.work_id is None and not described:
            errors.append(
                FieldError(f"lines[{index}]", "required", "name a work or describe the need")
            )
        if line.subject is not None:
            text.check(line.subject, f"lines[{index}].subject", errors, limit=200)
        if line.subject is not None and not 1 <= len(line.subject.strip()) <= 200:
            errors.append(
                FieldError(f"lines[{index}].subject", "invalid", "a subject is 1 to 200 characters")
            )
        if line.language is not None and _language(line.language) is None:
            errors.append(
                FieldError(f"lines[{index}].language", "invalid_language", "an ISO 639 code")
            )
    text.check(draft.note, "note", errors, limit=text.MAX_NOTE)
    return errors


def _language(raw: str) -> str | None:
    """An ISO 639 code as the catalogue stores a work's language (two letters where ISO 639-1
    has them: ``kor`` -> ``ko``), so that a described need matches on it; None when ``raw``
    is not ISO 639."""
    if not (raw.isascii() and raw.isalpha() and len(raw) in (2, 3)):
        return None
    problems: list[FieldError] = []
    code = catalogue_validation.language(raw, problems)
    return None if problems else code


async def create(
    identity: Identity, draft: RequestDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> ResourceRequest:
    """Post an open request for the partner (its librarians)."""
    partner = await uow.session.get(Partner, identity.own_library(draft.partner_id))
    if partner is None:
        raise ValidationFailed.single("partnerId", "unknown_partner", "no such partner")
    policy.require(identity, "request.create", partners.resource(partner))
    errors = _validate(draft)
    work_ids = {line.work_id for line in draft.lines if line.work_id is not None}
    found = (
        set((await uow.session.exec(select(Work.id).where(col(Work.id).in_(work_ids)))).all())
        if work_ids
        else set()
    )
    errors += [
        FieldError(f"lines[{i}].workId", "unknown_work", "no such work")
        for i, line in enumerate(draft.lines)
        if line.work_id is not None and line.work_id not in found
    ]
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    request = ResourceRequest(
        partner_id=partner.id,
        state=RequestState.OPEN.value,
        note=draft.note.strip(),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(request)
    await uow.session.flush()
    lines = [
        RequestLine(
            request_id=request.id,
            work_id=line.work_id,
            subject=line.subject.strip() if line.subject else None,
            language=_language(line.language) if line.language else None,
            level=line.level.value if line.level else None,
            kind=line.kind.value if line.kind else None,
            quantity=line.quantity,
            priority=line.priority.value,
        )
        for line in draft.lines
    ]
    uow.session.add_all(lines)
    await uow.session.flush()
    summary = {
        **request.snapshot(),
        "lines": [[str(x.work_id) if x.work_id else x.subject, x.quantity] for x in lines],
    }
    uow.record(
        AuditRecord(identity.label, "request.create", "request", str(request.id), None, summary)
    )
    return request
