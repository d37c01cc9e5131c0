"""Reading partners: the policy's view of a partner, one or many by id, and the filtered
list. A partner the identity may not read is ``NotFound``, never told apart from none."""

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

from exchange import text
from exchange.errors import NotFound
from exchange.identity.identity import Identity
from exchange.pagination import Page, PageRequest
from exchange.partners import validation
from exchange.partners.models import Partner, PartnerKind, PartnerStatus
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.policy.resource import partner as partner_entity


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


async def load(
    session: AsyncSession, partner_id: uuid.UUID, *, for_update: bool = False
) -> Partner:
    """The partner row, locked ``for_update`` when asked, with no policy check (its
    callers ask the policy about the row): ``NotFound`` when there is none."""
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
    partner = await load(session, partner_id)
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
