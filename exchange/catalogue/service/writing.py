"""One work catalogued or changed: its row and related rows validated as a whole, audited,
and the full-text index kept in step."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.catalogue import relations, rows, search
from exchange.catalogue.identifiers import written
from exchange.catalogue.models import (
    IdentifierScheme,
    JournalIssue,
    Work,
    WorkContributor,
    WorkIdentifier,
    WorkKind,
    WorkLevel,
    WorkPartner,
)
from exchange.catalogue.service.reads import load, resource
from exchange.catalogue.validation import ContributorDraft, ContributorRole, IssueDraft, WorkDraft
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound
from exchange.identity.identity import Identity
from exchange.messages import N_, Ref
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine

# The optional fields of a work that an edit may empty.
Clearable = Literal["publisher", "year", "level", "course_number", "instructor", "duration_seconds"]


@dataclass(frozen=True, slots=True)
class WorkPatch:
    """Fields left as None keep their value; a list given replaces the whole list; the
    optional fields named in ``cleared`` are emptied (a form that shows every field says
    "no year" this way, where None could only say "unchanged"). ``ValueError`` when a
    field is both given and cleared."""

    kind: WorkKind | None = None
    titles: list[tuple[str, str]] | None = None
    language: str | None = None
    contributors: list[ContributorDraft] | None = None
    publisher: str | None = None
    year: int | None = None
    subjects: list[str] | None = None
    level: WorkLevel | None = None
    identifiers: list[tuple[IdentifierScheme, str]] | None = None
    issues: list[IssueDraft] | None = None
    co_author_partner_ids: list[uuid.UUID] | None = None
    course_number: str | None = None
    instructor: str | None = None
    duration_seconds: int | None = None
    cleared: frozenset[Clearable] = frozenset()

    def __post_init__(self) -> None:
        both = sorted(name for name in self.cleared if getattr(self, name) is not None)
        if both:
            raise ValueError(f"both given and cleared: {', '.join(both)}")


def acting_partner(identity: Identity, requested: uuid.UUID | None) -> uuid.UUID:
    """The partner that catalogues for ``identity``: ``requested``, or its own library
    (``ValidationFailed`` when it must name one; see ``Identity.own_library``)."""
    return identity.own_library(requested)


async def _partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


async def _existing_partners(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    return set((await session.exec(select(Partner.id).where(col(Partner.id).in_(wanted)))).all())


async def _write(
    identity: Identity, work: Work, draft: WorkDraft, *, uow: UnitOfWork, replace: bool
) -> dict[str, Any]:
    """Validate ``draft`` into ``work`` and its related rows; returns the audit document."""
    session = uow.session
    known = await _existing_partners(session, draft.co_author_partner_ids)
    prepared = rows.prepare(draft, work.id, work.created_by_partner_id, known, clock.now())
    for identifier in prepared.identifiers:
        scheme, value = identifier["scheme"], identifier["value"]
        existing = (
            await session.exec(
                select(WorkIdentifier).where(
                    WorkIdentifier.scheme == scheme,
                    WorkIdentifier.value == value,
                    WorkIdentifier.work_id != work.id,
                )
            )
        ).first()
        if existing is not None:
            owner = await session.get(Work, existing.work_id)
            first = owner.titles[0] if owner is not None and owner.titles else {}
            named = Ref("work", existing.work_id, first.get("value", ""), first.get("lang", ""))
            raise Conflict(
                N_(
                    "{scheme} {value} already identifies {work}",
                    scheme=scheme,
                    value=value,
                    work=named,
                ),
                existing.work_id,
            )
    for name, value in prepared.work.items():
        setattr(work, name, value)
    session.add(work)
    if replace:
        for model in (WorkContributor, WorkIdentifier, JournalIssue, WorkPartner):
            await session.exec(delete(model).where(col(model.work_id) == work.id))
    await session.flush()
    session.add_all(
        [WorkContributor(**c) for c in prepared.contributors]
        + [WorkIdentifier(**i) for i in prepared.identifiers]
        + [JournalIssue(**i) for i in prepared.issues]
        + [WorkPartner(**link) for link in prepared.links]
    )
    try:
        await session.flush()
    except sa.exc.IntegrityError:  # a concurrent writer took an identifier since the check
        raise Conflict("an identifier of this work was just taken by another work") from None
    await search.index_work(session, uow.dialect, work.id, work.search_tokens)
    return prepared.audit


def _new_work(draft: WorkDraft, partner_id: uuid.UUID) -> Work:
    now = clock.now()
    return Work(
        kind=draft.kind.value,
        titles=[],
        language="",
        subjects=[],
        created_by_partner_id=partner_id,
        search_text="",
        search_tokens="",
        created_at=now,
        updated_at=now,
    )


def require_create(identity: Identity, partner: Partner, policy: PolicyEngine) -> None:
    """``PermissionDenied`` unless ``identity`` may catalogue works for ``partner``."""
    policy.require(identity, "work.create", partners.resource(partner))


async def create(
    identity: Identity, draft: WorkDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Work:
    """Catalogue a work for a partner (its librarians, coordinators, admins)."""
    partner = await _partner(uow.session, acting_partner(identity, draft.partner_id))
    require_create(identity, partner, policy)
    work = _new_work(draft, partner.id)
    after = await _write(identity, work, draft, uow=uow, replace=False)
    uow.record(AuditRecord(identity.label, "work.create", "work", str(work.id), None, after))
    return work


async def _current(session: AsyncSession, work: Work) -> tuple[WorkDraft, dict[str, Any]]:
    """The work as a draft, and its audit document."""
    listed = (await relations.read(session, [work.id]))[work.id]
    contributors, identifiers = listed.contributors, listed.identifiers
    draft = WorkDraft(
        kind=WorkKind(work.kind),
        titles=[(t["lang"], t["value"]) for t in work.titles],
        language=work.language,
        partner_id=work.created_by_partner_id,
        contributors=[
            ContributorDraft(c.name, ContributorRole(c.role), c.romanized) for c in contributors
        ],
        publisher=work.publisher,
        year=work.year,
        subjects=list(work.subjects),
        level=None if work.level is None else WorkLevel(work.level),
        identifiers=[
            (IdentifierScheme(i.scheme), written(i.scheme, i.value, i.qualifier))
            for i in identifiers
        ],
        issues=[IssueDraft(i.volume, i.number, i.year) for i in listed.issues],
        co_author_partner_ids=listed.co_author_ids,
        course_number=work.course_number,
        instructor=work.instructor,
        duration_seconds=work.duration_seconds,
    )
    before = {
        **work.snapshot(),
        "contributors": [[c.name, c.romanized, c.role] for c in contributors],
        "identifiers": [
            [i.scheme, i.value] if i.qualifier is None else [i.scheme, i.value, i.qualifier]
            for i in identifiers
        ],
        "issues": [[i.volume, i.number, i.year] for i in draft.issues],
        "co_authors": [str(p) for p in sorted(draft.co_author_partner_ids)],
    }
    return draft, before


async def update(
    identity: Identity,
    work_id: uuid.UUID,
    patch: WorkPatch,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Work:
    """Change a work (librarians of the partner that created it, coordinators, admins):
    the fields ``patch`` gives replace the work's, those it clears are emptied, and the
    result is validated as a whole, like a new work (``ValidationFailed``, ``Conflict``;
    ``NotFound``, ``PermissionDenied``)."""
    work = await load(uow.session, work_id, for_update=True)
    partner = await _partner(uow.session, work.created_by_partner_id)
    policy.require(identity, "work.update", resource(work, partner))
    current, before = await _current(uow.session, work)
    changes: dict[str, Any] = {
        f.name: getattr(patch, f.name) for f in dataclasses.fields(patch) if f.name != "cleared"
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    changes.update(dict.fromkeys(patch.cleared))
    draft = dataclasses.replace(current, **changes)
    after = await _write(identity, work, draft, uow=uow, replace=True)
    if after != before:
        uow.record(AuditRecord(identity.label, "work.update", "work", str(work.id), before, after))
    return work
