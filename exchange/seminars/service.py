"""Seminars: get, list, create, update, and which seminars use a work.

Same rules as the catalogue: identity first, policy before data, writers never commit.
Materials must be works of kind ``seminar_material`` or ``recorded_lecture``.
"""

from __future__ import annotations

import builtins
import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.catalogue import validation
from exchange.catalogue.models import Work, WorkKind
from exchange.db.uow import UnitOfWork
from exchange.errors import FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.pagination import Page, PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.seminars.models import Seminar, SeminarMaterial

MATERIAL_KINDS = {WorkKind.SEMINAR_MATERIAL.value, WorkKind.RECORDED_LECTURE.value}


@dataclass(frozen=True, slots=True)
class SeminarDraft:
    title: str
    presenters: builtins.list[str]
    language: str
    held_on: date
    host_partner_id: uuid.UUID | None = None
    material_ids: builtins.list[uuid.UUID] = dataclasses.field(default_factory=builtins.list)


@dataclass(frozen=True, slots=True)
class SeminarPatch:
    """Fields left as None keep their value; ``material_ids`` replaces the whole list."""

    title: str | None = None
    presenters: builtins.list[str] | None = None
    language: str | None = None
    held_on: date | None = None
    material_ids: builtins.list[uuid.UUID] | None = None


@dataclass(frozen=True, slots=True)
class SeminarFilter:
    host_partner_id: uuid.UUID | None = None
    language: str | None = None
    held_from: date | None = None
    held_to: date | None = None


def resource(seminar: Seminar, host: Partner) -> Resource:
    owner = partners.resource(host)
    return Resource(
        "Seminar",
        str(seminar.id),
        {"host": {"__entity": owner.uid}},
        tuple(owner.entities()),
        parents=(owner.uid,),
    )


async def _load(session: AsyncSession, seminar_id: uuid.UUID, for_update: bool = False) -> Seminar:
    statement = select(Seminar).where(Seminar.id == seminar_id)
    if for_update:
        statement = statement.with_for_update()
    seminar = (await session.exec(statement)).first()
    if seminar is None:
        raise NotFound("seminar", seminar_id)
    return seminar


async def _host(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


async def get(
    identity: Identity, seminar_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Seminar:
    policy.require(identity, "seminar.search", PLATFORM)
    return await _load(session, seminar_id)


async def list(
    identity: Identity,
    filters: SeminarFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Seminar]:
    """Seminars, oldest record first, filtered and paginated by cursor. Filtering by a host
    the identity may not see answers as if it did not exist."""
    policy.require(identity, "seminar.search", PLATFORM)
    statement = select(Seminar)
    if filters.host_partner_id is not None:
        if not await partners.get_many(
            identity, [filters.host_partner_id], session=session, policy=policy
        ):
            return Page([], False)
        statement = statement.where(Seminar.host_partner_id == filters.host_partner_id)
    if filters.language:
        statement = statement.where(Seminar.language == validation.language(filters.language, []))
    if filters.held_from is not None:
        statement = statement.where(col(Seminar.held_on) >= filters.held_from)
    if filters.held_to is not None:
        statement = statement.where(col(Seminar.held_on) <= filters.held_to)
    if page.after is not None:
        statement = statement.where(col(Seminar.id) > page.after)
    rows = (await session.exec(statement.order_by(col(Seminar.id)).limit(page.first + 1))).all()
    return Page.from_rows(rows, page)


async def materials_of(
    identity: Identity, ids: Sequence[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, builtins.list[Work]]:
    """The material works of each seminar, in their order."""
    policy.require(identity, "seminar.search", PLATFORM)
    result: dict[uuid.UUID, builtins.list[Work]] = {i: [] for i in ids}
    statement = (
        select(SeminarMaterial, Work)
        .join(Work, col(Work.id) == SeminarMaterial.work_id)
        .where(col(SeminarMaterial.seminar_id).in_(builtins.list(ids)))
        .order_by(col(SeminarMaterial.position))
    )
    for link, work in (await session.exec(statement)).all():
        result[link.seminar_id].append(work)
    return result


# Built once: every page of works that shows seminars asks.
_OF_WORKS = (
    select(SeminarMaterial.work_id, Seminar)
    .join(Seminar, col(Seminar.id) == SeminarMaterial.seminar_id)
    .where(col(SeminarMaterial.work_id).in_(sa.bindparam("ids", expanding=True)))
    .order_by(col(Seminar.held_on), col(Seminar.id))
)


async def seminars_of_works(
    identity: Identity, ids: Sequence[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, builtins.list[Seminar]]:
    """The seminars that use each work."""
    policy.require(identity, "seminar.search", PLATFORM)
    result: dict[uuid.UUID, builtins.list[Seminar]] = {i: [] for i in ids}
    if not result:
        return result
    found = await session.exec(_OF_WORKS, params={"ids": builtins.list(result)})
    for work_id, seminar in found.all():
        result[work_id].append(seminar)
    return result


async def _write(seminar: Seminar, draft: SeminarDraft, uow: UnitOfWork, replace: bool) -> None:
    errors: builtins.list[FieldError] = []
    title = validation.text(draft.title, "title", 500, errors)
    if title is None:
        errors.append(FieldError("title", "required", "a title is required"))
    presenters = [
        p
        for index, raw in enumerate(draft.presenters)
        if (p := validation.text(raw, f"presenters[{index}]", 300, errors))
    ]
    language = validation.language(draft.language, errors)
    materials = builtins.list(dict.fromkeys(draft.material_ids))
    if materials:
        kinds = dict(
            (
                await uow.session.exec(
                    select(Work.id, Work.kind).where(col(Work.id).in_(materials))
                )
            ).all()
        )
        for index, work_id in enumerate(materials):
            if kinds.get(work_id) not in MATERIAL_KINDS:
                errors.append(
                    FieldError(
                        f"materialIds[{index}]",
                        "not_material" if work_id in kinds else "unknown_work",
                        "a seminar's materials are seminar materials or recorded lectures",
                    )
                )
    if errors:
        raise ValidationFailed(errors)
    seminar.title, seminar.presenters, seminar.language = title or "", presenters, language
    seminar.held_on, seminar.updated_at = draft.held_on, clock.now()
    uow.session.add(seminar)
    if replace:
        await uow.session.exec(
            delete(SeminarMaterial).where(col(SeminarMaterial.seminar_id) == seminar.id)
        )
    await uow.session.flush()
    for position, work_id in enumerate(materials):
        uow.session.add(SeminarMaterial(seminar_id=seminar.id, work_id=work_id, position=position))
    await uow.session.flush()


async def create(
    identity: Identity, draft: SeminarDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Seminar:
    """Record a seminar hosted by a partner (its librarians, coordinators, admins)."""
    host = await _host(uow.session, identity.own_library(draft.host_partner_id, "hostPartnerId"))
    policy.require(identity, "seminar.create", partners.resource(host))
    now = clock.now()
    seminar = Seminar(
        title="",
        presenters=[],
        language="",
        held_on=draft.held_on,
        host_partner_id=host.id,
        created_at=now,
        updated_at=now,
    )
    await _write(seminar, draft, uow, replace=False)
    after = seminar.snapshot(builtins.list(dict.fromkeys(draft.material_ids)))
    uow.record(
        AuditRecord(identity.label, "seminar.create", "seminar", str(seminar.id), None, after)
    )
    return seminar


async def update(
    identity: Identity,
    seminar_id: uuid.UUID,
    patch: SeminarPatch,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Seminar:
    """Change a seminar (librarians of its host, coordinators, admins)."""
    seminar = await _load(uow.session, seminar_id, for_update=True)
    host = await _host(uow.session, seminar.host_partner_id)
    policy.require(identity, "seminar.update", resource(seminar, host))
    links = await uow.session.exec(
        select(SeminarMaterial.work_id)
        .where(SeminarMaterial.seminar_id == seminar.id)
        .order_by(col(SeminarMaterial.position))
    )
    material_ids = builtins.list(links.all())
    before = seminar.snapshot(material_ids)
    current = SeminarDraft(
        seminar.title, seminar.presenters, seminar.language, seminar.held_on, host.id, material_ids
    )
    changes = {f.name: getattr(patch, f.name) for f in dataclasses.fields(patch)}
    draft = dataclasses.replace(current, **{k: v for k, v in changes.items() if v is not None})
    await _write(seminar, draft, uow, replace=True)
    after = seminar.snapshot(builtins.list(dict.fromkeys(draft.material_ids)))
    if after != before:
        uow.record(
            AuditRecord(identity.label, "seminar.update", "seminar", str(seminar.id), before, after)
        )
    return seminar
