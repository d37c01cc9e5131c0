"""Partner institutions: get, list, create, update, suspend, reactivate.

Every function takes the acting identity first and asks the policy engine before it
reads or writes. Writers work inside the caller's unit of work and never commit.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, text
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.pagination import Page, PageRequest
from exchange.partners import validation
from exchange.partners.models import Partner, PartnerKind, PartnerStatus
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.policy.resource import partner as partner_entity

MAX_REASON = 1_000  # code points of a suspension or reactivation reason


@dataclass(frozen=True, slots=True)
class PartnerDraft:
    names: builtins.list[tuple[str, str]]
    country: str
    kind: PartnerKind
    tags: builtins.list[str]
    public: bool = True


@dataclass(frozen=True, slots=True)
class PartnerPatch:
    """Fields left as None keep their value."""

    names: builtins.list[tuple[str, str]] | None = None
    country: str | None = None
    kind: PartnerKind | None = None
    tags: builtins.list[str] | None = None
    public: bool | None = None


@dataclass(frozen=True, slots=True)
class PartnerFilter:
    country: str | None = None
    kind: PartnerKind | None = None
    status: PartnerStatus | None = None
    tag: str | None = None
    search: str | None = None


class Party(Protocol):
    """What policy decisions read of a partner (a ``Partner`` row, or just these columns)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def status(self) -> str: ...
    @property
    def public(self) -> bool: ...
    @property
    def tags(self) -> builtins.list[str]: ...


def resource(partner: Party) -> Resource:
    """The partner's Cedar entity; a suspended partner is ``in`` SUSPENDED."""
    return partner_entity(
        str(partner.id), partner.status, partner.public, builtins.list(partner.tags)
    )


async def _load(
    session: AsyncSession, partner_id: uuid.UUID, *, for_update: bool = False
) -> Partner:
    statement = select(Partner).where(Partner.id == partner_id)
    if for_update:
        statement = statement.with_for_update()
    partner = (await session.exec(statement)).first()
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


async def get(
    identity: Identity, partner_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Partner:
    """The partner, or NotFound when it does not exist or the identity may not see it."""
    partner = await _load(session, partner_id)
    if not policy.allowed(identity, "partner.read", resource(partner)):
        raise NotFound("partner", partner_id)
    return partner


# Built once: pages of works, offers and shipments ask for their partners on every request.
_BY_IDS = select(Partner).where(col(Partner.id).in_(sa.bindparam("ids", expanding=True)))


async def get_many(
    identity: Identity, ids: Iterable[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, Partner]:
    """The readable partners among ``ids``, by id (one query, one batched decision)."""
    wanted = builtins.list(set(ids))
    if not wanted:
        return {}
    rows = builtins.list((await session.exec(_BY_IDS, params={"ids": wanted})).all())
    return readable(identity, rows, policy=policy)


def readable(
    identity: Identity, rows: Iterable[Partner], *, policy: PolicyEngine
) -> dict[uuid.UUID, Partner]:
    """The partners among ``rows`` (already read) the identity may read ("partner.read"),
    by id: one batched decision."""
    found = builtins.list(rows)
    decisions = policy.allowed_many(identity, "partner.read", [resource(p) for p in found])
    return {p.id: p for p, ok in zip(found, decisions, strict=True) if ok}


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tag_condition(dialect: str, tag: str) -> sa.TextClause:
    if dialect == "postgresql":
        return sa.text("partner.tags @> CAST(:tag_json AS jsonb)").bindparams(
            tag_json=json.dumps([tag])
        )
    return sa.text(
        "EXISTS (SELECT 1 FROM json_each(partner.tags) WHERE json_each.value = :tag)"
    ).bindparams(tag=tag)


async def list(
    identity: Identity,
    filters: PartnerFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Partner]:
    """Partners the identity may read, oldest first, filtered and paginated by cursor."""
    policy.require(identity, "partner.list", PLATFORM)
    statement = select(Partner)
    if identity.anonymous:
        statement = statement.where(col(Partner.public).is_(True))
    if filters.country:
        statement = statement.where(Partner.country == filters.country.strip().upper())
    if filters.kind:
        statement = statement.where(Partner.kind == filters.kind.value)
    if filters.status:
        statement = statement.where(Partner.status == filters.status.value)
    if filters.tag:
        dialect = session.bind.dialect.name if session.bind else "sqlite"
        tag = text.checked(filters.tag, "tag", limit=validation.MAX_TAG)
        statement = statement.where(_tag_condition(dialect, tag.strip().lower()))
    search = text.checked_optional(filters.search, "search", limit=text.MAX_SEARCH)
    term = validation.search_term(search) if search and search.strip() else None
    if term is not None:
        pattern = f"%{_escape_like(term)}%"
        statement = statement.where(col(Partner.search_text).like(pattern, escape="\\"))
    if page.after is not None:
        statement = statement.where(col(Partner.id) > page.after)
    statement = statement.order_by(col(Partner.id)).limit(page.first + 1)
    rows = builtins.list((await session.exec(statement)).all())
    decisions = policy.allowed_many(identity, "partner.read", [resource(p) for p in rows])
    return Page.from_rows([p for p, ok in zip(rows, decisions, strict=True) if ok], page)


def _validated_draft(
    draft: PartnerDraft,
) -> tuple[builtins.list[dict[str, str]], str, builtins.list[str]]:
    errors: builtins.list[FieldError] = []
    names = validation.names(draft.names, errors)
    country = validation.country(draft.country, errors)
    tags = validation.tags(draft.tags, errors)
    if errors:
        raise ValidationFailed(errors)
    return names, country, tags


async def create(
    identity: Identity, draft: PartnerDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Partner:
    """Register a partner institution (admins)."""
    policy.require(identity, "partner.create", PLATFORM)
    names, country, tags = _validated_draft(draft)
    now = clock.now()
    partner = Partner(
        names=names,
        search_text=validation.search_text(names),
        country=country,
        kind=draft.kind.value,
        status=PartnerStatus.ACTIVE.value,
        tags=tags,
        public=draft.public,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(partner)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label, "partner.create", "partner", str(partner.id), None, partner.snapshot()
        )
    )
    return partner


async def update(
    identity: Identity,
    partner_id: uuid.UUID,
    patch: PartnerPatch,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    """Change a partner's profile (admins, and the partner's own librarians).

    Tags and the public flag are read by the policies, so changing either also needs
    "partner.govern" (admins; policies/partners.cedar): PermissionDenied otherwise, and
    nothing is written. Every change is audited with the old and new values."""
    partner = await _load(uow.session, partner_id, for_update=True)
    policy.require(identity, "partner.update", resource(partner))
    errors: builtins.list[FieldError] = []
    before = partner.snapshot()
    governed = resource(partner)
    if patch.names is not None:
        partner.names = validation.names(patch.names, errors)
        partner.search_text = validation.search_text(partner.names)
    if patch.country is not None:
        partner.country = validation.country(patch.country, errors)
    if patch.tags is not None:
        partner.tags = validation.tags(patch.tags, errors)
    if errors:
        raise ValidationFailed(errors)
    if patch.kind is not None:
        partner.kind = patch.kind.value
    if patch.public is not None:
        partner.public = patch.public
    after = partner.snapshot()
    if (after["tags"], after["public"]) != (before["tags"], before["public"]):
        policy.require(identity, "partner.govern", governed)
    if after == before:
        return partner
    partner.updated_at = clock.now()
    uow.session.add(partner)
    await uow.session.flush()
    uow.record(
        AuditRecord(identity.label, "partner.update", "partner", str(partner.id), before, after)
    )
    return partner


async def _set_status(
    identity: Identity,
    partner_id: uuid.UUID,
    status: PartnerStatus,
    action: str,
    note: str,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    partner = await _load(uow.session, partner_id, for_update=True)
    policy.require(identity, action, resource(partner))
    if partner.status == status.value:
        raise Conflict(N_("the partner is already {status}", status=status.value), partner.id)
    note = text.checked(note, "reason", limit=MAX_REASON)
    before = partner.snapshot()
    partner.status = status.value
    partner.updated_at = clock.now()
    uow.session.add(partner)
    await uow.session.flush()
    after = {**partner.snapshot(), "reason": note} if note else partner.snapshot()
    uow.record(AuditRecord(identity.label, action, "partner", str(partner.id), before, after))
    return partner


async def suspend(
    identity: Identity,
    partner_id: uuid.UUID,
    reason: str = "",
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    """Suspend a partner: it can still be read, but nothing it owns can be written.
    ``reason`` is held to the text rule (``exchange.text``, at most ``MAX_REASON`` code
    points): ``ValidationFailed`` on field ``reason`` (``forbidden_character``, ``too_long``)."""
    return await _set_status(
        identity,
        partner_id,
        PartnerStatus.SUSPENDED,
        "partner.suspend",
        reason,
        uow=uow,
        policy=policy,
    )


async def reactivate(
    identity: Identity,
    partner_id: uuid.UUID,
    reason: str = "",
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    return await _set_status(
        identity,
        partner_id,
        PartnerStatus.ACTIVE,
        "partner.reactivate",
        reason,
        uow=uow,
        policy=policy,
    )
