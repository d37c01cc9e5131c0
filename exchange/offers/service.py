"""Donation offers: create (as a draft with lines), publish, withdraw, close, get, list.

An offer belongs to its donor partner; only that partner's librarians post and change it.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, periods, text
from exchange.audit.chain import AuditRecord
from exchange.catalogue.models import Work
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity, Role
from exchange.messages import N_
from exchange.offers import issues, records
from exchange.offers.models import Condition, Format, Offer, OfferLine, OfferState
from exchange.offers.records import OfferRecord
from exchange.pagination import Page, PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource

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
    lines: builtins.list[OfferLineDraft]
    expires_at: datetime
    terms: str = ""
    licence: str | None = None


@dataclass(frozen=True, slots=True)
class OfferFilter:
    partner_id: uuid.UUID | None = None
    state: OfferState | None = None
    work_id: uuid.UUID | None = None


def resource(offer: Offer | OfferRecord, partner: Partner) -> Resource:
    return _resource(offer, partners.resource(partner))


def _resource(offer: Offer | OfferRecord, owner: Resource) -> Resource:
    """The offer's Cedar entity, in its donor's (``owner``, ``partners.resource``)."""
    return Resource(
        "Offer",
        str(offer.id),
        {"partner": owner.ref, "state": offer.state},
        related=tuple(owner.entities()),
        parents=(owner.uid,),
    )


async def _partner(
    session: AsyncSession, partner_id: uuid.UUID, field: str = "partnerId"
) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise ValidationFailed.single(field, "unknown_partner", "no such partner")
    return partner


async def load(
    session: AsyncSession, offer_id: uuid.UUID, *, lock: bool = False
) -> tuple[Offer, Partner]:
    statement = select(Offer).where(Offer.id == offer_id)
    if lock:
        statement = statement.with_for_update()
    offer = (await session.exec(statement)).first()
    if offer is None:
        raise NotFound("offer", offer_id)
    partner = await session.get(Partner, offer.partner_id)
    assert partner is not None
    return offer, partner


def _validate(draft: OfferDraft, now: datetime) -> None:
    if len(draft.lines) > MAX_LINES:  # refused whole: nothing is done per line
        raise ValidationFailed.single(
            "lines", "too_many", N_("at most {max_lines} lines", max_lines=MAX_LINES)
        )
    errors: builtins.list[FieldError] = []
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


_TRANSITIONS = {
    "publish": ({OfferState.DRAFT}, OfferState.OPEN),
    "withdraw": ({OfferState.DRAFT, OfferState.OPEN}, OfferState.WITHDRAWN),
    "close": ({OfferState.OPEN}, OfferState.CLOSED),
}


async def transition(
    identity: Identity, offer_id: uuid.UUID, verb: str, *, uow: UnitOfWork, policy: PolicyEngine
) -> Offer:
    """``publish`` (draft → open), ``withdraw`` (draft|open → withdrawn), ``close`` (open → closed).

    Active allocations stay as they are: they were promised before the change."""
    allowed, target = _TRANSITIONS[verb]
    offer, donor = await load(uow.session, offer_id, lock=True)
    policy.require(identity, "offer.update", resource(offer, donor))
    now = clock.now()
    current = offer.effective_state(now)
    if current not in allowed:
        raise Conflict(
            N_("cannot {verb}: the offer's state is {current}", verb=verb, current=current.value),
            offer.id,
        )
    if target is OfferState.OPEN and offer.expires_at <= now:
        raise Conflict("the offer has expired", offer.id)
    before = offer.snapshot()
    offer.state = target.value
    offer.updated_at = now
    uow.session.add(offer)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label, f"offer.{verb}", "offer", str(offer.id), before, offer.snapshot()
        )
    )
    return offer


async def get(
    identity: Identity, offer_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Offer:
    offer, donor = await load(session, offer_id)
    if not policy.allowed(identity, "offer.read", resource(offer, donor)):
        raise NotFound("offer", offer_id)
    return offer


async def list(
    identity: Identity,
    filters: OfferFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[OfferRecord]:
    """Offers the identity may read ("offer.read": a draft only by its donor's librarians
    and admins, the others by any member), oldest first. The state filter uses the
    effective state (open past its expiry counts as expired)."""
    found, _donors = await listed(identity, filters, page, session=session, policy=policy)
    return found


async def listed(
    identity: Identity,
    filters: OfferFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> tuple[Page[OfferRecord], dict[uuid.UUID, Partner]]:
    """``list``, with the donors of the page's offers by id: read to decide each offer,
    they are handed on so that a caller showing them does not read them again (they are
    not checked for "partner.read": that is the caller's to ask). The offers are
    ``records.OfferRecord`` (read by SQLAlchemy Core, as shown, never written back)."""
    policy.require(identity, "offer.list", PLATFORM)
    admin = identity.has_role(Role.ADMIN)
    if not admin and not identity.partner_ids():
        return Page([], False), {}
    params: dict[str, object] = {"limit": page.first + 1}
    if not admin:
        params["own"] = builtins.list(identity.partners_with(Role.LIBRARIAN))
    if filters.partner_id is not None:
        params["partner_id"] = filters.partner_id
    if filters.state in (OfferState.OPEN, OfferState.EXPIRED):
        params["now"] = clock.now()
    if filters.work_id is not None:
        params["work_id"] = filters.work_id
    if page.after is not None:
        params["after"] = page.after
    statement = records.listing(
        not admin,
        filters.partner_id is not None,
        filters.state,
        filters.work_id is not None,
        page.after is not None,
    )
    connection = await session.connection()
    rows = await connection.execute(statement, params)
    found = Page.from_rows([records.OfferRecord._make(row) for row in rows], page)
    donors = await _partners(session, {o.partner_id for o in found.items})
    owners = {i: partners.resource(p) for i, p in donors.items()}  # one per donor
    decisions = policy.allowed_many(
        identity, "offer.read", [_resource(o, owners[o.partner_id]) for o in found.items]
    )
    readable = [o for o, ok in zip(found.items, decisions, strict=True) if ok]
    return Page(readable, found.has_next), donors


# Built once: every page of offers reads its donors.
_PARTNERS = select(Partner).where(col(Partner.id).in_(sa.bindparam("ids", expanding=True)))


async def _partners(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Partner]:
    if not ids:
        return {}
    rows = await session.exec(_PARTNERS, params={"ids": builtins.list(ids)})
    return {p.id: p for p in rows.all()}


async def lines_of(
    offer_ids: Iterable[uuid.UUID], *, session: AsyncSession
) -> dict[uuid.UUID, builtins.list[OfferLine]]:
    """The lines of offers the caller has already been allowed to read (for loaders)."""
    wanted = builtins.list(set(offer_ids))
    result: dict[uuid.UUID, builtins.list[OfferLine]] = {i: [] for i in wanted}
    statement = (
        select(OfferLine).where(col(OfferLine.offer_id).in_(wanted)).order_by(col(OfferLine.id))
    )
    for line in (await session.exec(statement)).all():
        result[line.offer_id].append(line)
    return result
