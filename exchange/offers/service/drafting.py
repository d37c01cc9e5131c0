"""A new offer: its draft, the rules the draft must meet, and its creation (with its lines
and their journal issues)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, periods, text
from exchange.audit.chain import AuditRecord
from exchange.catalogue.models import Work
from exchange.db.uow import UnitOfWork
from exchange.errors import FieldError, ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.offers import issues
from exchange.offers.models import Condition, Format, Offer, OfferLine, OfferState
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine

MAX_QUANTITY = 100_000
MAX_LINES = 500
MAX_TERMS = 5_000


@dataclass(frozen=True, slots=True)
class OfferLineDraft:
    """A PRINT line requires ``condition``; a DIGITAL line requires the offer's
    ``licence``; ``issue_ids`` name issues of the line's journal (optional)."""

    work_id: uuid.UUID
    quantity: int
    format: Format
    condition: Condition | None = None
    issue_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class OfferDraft:
    partner_id: uuid.UUID | None  # default: the caller's own library
    lines: list[OfferLineDraft]
    expires_at: datetime
    terms: str = ""
    licence: str | None = None


async def _partner(
    session: AsyncSession, partner_id: uuid.UUID, field: str = "partnerId"
) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise ValidationFailed.single(field, "unknown_partner", "no such partner")
    return partner


def _validate(draft: OfferDraft, now: datetime) -> None:
    if len(draft.lines) > MAX_LINES:  # refused whole: nothing is done per line
        raise ValidationFailed.single(
            "lines", "too_many", N_("at most {max_lines} lines", max_lines=MAX_LINES)
        )
    errors: list[FieldError] = []
    if not draft.lines:
        errors.append(FieldError("lines", "required", "an offer has at least one line"))
    for index, line in enumerate(draft.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(
                FieldError(
                    f"lines[{index}].quantity",
                    "out_of_range",
                    N_("between 1 and {max_quantity}", max_quantity=MAX_QUANTITY),
                )
            )
        if line.format is Format.PRINT and line.condition is None:
            errors.append(
                FieldError(
                    f"lines[{index}].condition",
                    "required_for_print",
                    "a PRINT line needs a condition (NEW, GOOD or FAIR)",
                )
            )
        if line.format is Format.DIGITAL and not draft.licence:
            errors.append(
                FieldError(
                    "licence", "required_for_digital", "an offer with DIGITAL lines needs a licence"
                )
            )
    if draft.expires_at.tzinfo is None:
        errors.append(FieldError("expiresAt", "invalid", "give a time zone"))
    elif (beyond := periods.instant_problem(draft.expires_at, "expiresAt")) is not None:
        errors.append(beyond)  # out_of_range: what every layer can hold
    elif draft.expires_at <= now:
        errors.append(FieldError("expiresAt", "in_the_past", "the expiry must be in the future"))
    text.check(draft.terms, "terms", errors, limit=MAX_TERMS)  # XML 1.0 characters, length
    if draft.licence is not None:
        text.check(draft.licence, "licence", errors, limit=100)
        if not draft.licence.strip():
            errors.append(FieldError("licence", "invalid", "a licence is 1 to 100 characters"))
    if errors:
        raise ValidationFailed(errors)


async def create(
    identity: Identity, draft: OfferDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Offer:
    """Post a draft offer for the donor partner (its librarians)."""
    donor = await _partner(uow.session, identity.own_library(draft.partner_id))
    policy.require(identity, "offer.create", partners.resource(donor))
    now = clock.now()
    _validate(draft, now)
    work_ids = {line.work_id for line in draft.lines}
    found = set((await uow.session.exec(select(Work.id).where(col(Work.id).in_(work_ids)))).all())
    missing = [i for i, line in enumerate(draft.lines) if line.work_id not in found]
    if missing:
        raise ValidationFailed(
            [FieldError(f"lines[{i}].workId", "unknown_work", "no such work") for i in missing]
        )
    await issues.check(uow.session, [(line.work_id, line.issue_ids) for line in draft.lines])
    offer = Offer(
        partner_id=donor.id,
        state=OfferState.DRAFT.value,
        expires_at=draft.expires_at,
        terms=draft.terms.strip(),
        licence=draft.licence.strip() if draft.licence else None,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(offer)
    await uow.session.flush()
    lines = [
        OfferLine(
            offer_id=offer.id,
            work_id=line.work_id,
            quantity=line.quantity,
            format=line.format.value,
            condition=line.condition.value if line.condition else None,
        )
        for line in draft.lines
    ]
    uow.session.add_all(lines)
    await uow.session.flush()
    uow.session.add_all(issues.rows(zip(lines, (d.issue_ids for d in draft.lines), strict=True)))
    await uow.session.flush()
    summary = {**offer.snapshot(), "lines": [[str(x.work_id), x.quantity, x.format] for x in lines]}
    uow.record(AuditRecord(identity.label, "offer.create", "offer", str(offer.id), None, summary))
    return offer
