"""Many works catalogued at once (an import), in a constant number of statements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.catalogue import rows, search
from exchange.catalogue.models import (
    JournalIssue,
    Work,
    WorkContributor,
    WorkIdentifier,
    WorkPartner,
)
from exchange.catalogue.service.writing import acting_partner, require_create
from exchange.catalogue.validation import WorkDraft
from exchange.db.table import table
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.ids import uuid7
from exchange.messages import N_, Ref
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine

Created = uuid.UUID | ValidationFailed | Conflict | NotFound


async def create_many(
    identity: Identity, drafts: Sequence[WorkDraft], *, uow: UnitOfWork, policy: PolicyEngine
) -> list[Created]:
    """Catalogue many works at once; one result per draft, in order: the new work's id, or
    why it was not created (ValidationFailed, NotFound for an unknown partner, Conflict
    naming the work that already has one of its identifiers, possibly one made from an
    earlier draft of the same batch). A bad draft never stops the others. Permission is
    asked once per partner; a denial raises PermissionDenied for the whole batch.

    The batch costs a constant number of statements: partners and identifier conflicts are
    looked up in one query each; works, related rows and index rows are inserted with one
    executemany per table."""
    session = uow.session
    results: list[Created | None] = [None] * len(drafts)
    acting: dict[int, uuid.UUID] = {}
    for index, draft in enumerate(drafts):
        try:
            acting[index] = acting_partner(identity, draft.partner_id)
        except ValidationFailed as error:
            results[index] = error
    mentioned = set(acting.values()) | {p for d in drafts for p in d.co_author_partner_ids}
    found: dict[uuid.UUID, Partner] = {}
    if mentioned:
        statement = select(Partner).where(col(Partner.id).in_(list(mentioned)))
        found = {p.id: p for p in (await session.exec(statement)).all()}
    for partner_id in sorted(set(acting.values())):
        if partner_id in found:
            require_create(identity, found[partner_id], policy)
    now = clock.now()
    prepared: dict[int, rows.Prepared] = {}
    for index, partner_id in acting.items():
        if partner_id not in found:
            results[index] = NotFound("partner", partner_id)
            continue
        work_id = uuid7()
        try:
            item = rows.prepare(drafts[index], work_id, partner_id, set(found), now)
        except ValidationFailed as error:
            results[index] = error
            continue
        item.work.update(
            id=work_id, created_by_partner_id=partner_id, created_at=now, available_digitally=False
        )
        prepared[index] = item
    taken = await _taken(session, [i["value"] for p in prepared.values() for i in p.identifiers])
    new: list[rows.Prepared] = []
    for index, item in sorted(prepared.items()):
        keys = [(i["scheme"], i["value"]) for i in item.identifiers]
        clash = next((key for key in keys if key in taken), None)
        if clash is not None:
            owner = taken[clash]
            message = N_(
                "{scheme} {value} already identifies {work}",
                scheme=clash[0],
                value=clash[1],
                work=Ref("work", owner),
            )
            results[index] = Conflict(message, owner)
            continue
        taken.update(dict.fromkeys(keys, item.work["id"]))
        new.append(item)
        results[index] = item.work["id"]
    await _insert(session, new)
    indexed = [(p.work["id"], p.work["search_tokens"]) for p in new]
    await search.index_new(session, uow.dialect, indexed)
    for item in new:
        entity = str(item.work["id"])
        uow.record(AuditRecord(identity.label, "work.create", "work", entity, None, item.audit))
    return [r for r in results if r is not None]


async def _taken(session: AsyncSession, values: Sequence[str]) -> dict[tuple[str, str], uuid.UUID]:
    """The works that already hold any of these identifier values, by (scheme, value)."""
    if not values:
        return {}
    statement = select(WorkIdentifier.scheme, WorkIdentifier.value, WorkIdentifier.work_id)
    statement = statement.where(col(WorkIdentifier.value).in_(list(set(values))))
    return {(scheme, value): work_id for scheme, value, work_id in await session.exec(statement)}


async def _insert(session: AsyncSession, items: Sequence[rows.Prepared]) -> None:
    """Insert new works and their related rows, one executemany per table."""
    groups: tuple[tuple[type[SQLModel], list[rows.Columns]], ...] = (
        (Work, [p.work for p in items]),
        (WorkContributor, [c for p in items for c in p.contributors]),
        (WorkIdentifier, [i for p in items for i in p.identifiers]),
        (JournalIssue, [i for p in items for i in p.issues]),
        (WorkPartner, [link for p in items for link in p.links]),
    )
    for model, columns in groups:
        if columns:
            await session.exec(sa.insert(table(model)), params=columns)
