"""Works of the catalogue: get, list (search), create, update, and their related rows.

Every function takes the acting identity first and asks the policy engine before it
reads or writes. Writers work inside the caller's unit of work and never commit; they
keep the full-text index in step in the same transaction (``search.index_work``).
"""

from __future__ import annotations

import builtins
import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.catalogue import lookup, relations, rows, search, validation
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
from exchange.catalogue.validation import ContributorDraft, ContributorRole, IssueDraft, WorkDraft
from exchange.db.table import table
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.ids import uuid7
from exchange.messages import N_, Ref
from exchange.pagination import Page
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource

# The optional fields of a work that an edit may empty.
Clearable = Literal["publisher", "year", "level", "course_number", "instructor", "duration_seconds"]


@dataclass(frozen=True, slots=True)
class WorkPatch:
    """Fields left as None keep their value; a list given replaces the whole list; the
    optional fields named in ``cleared`` are emptied (a form that shows every field says
    "no year" this way, where None could only say "unchanged"). ``ValueError`` when a
    field is both given and cleared."""

    kind: WorkKind | None = None
    titles: builtins.list[tuple[str, str]] | None = None
    language: str | None = None
    contributors: builtins.list[ContributorDraft] | None = None
    publisher: str | None = None
    year: int | None = None
    subjects: builtins.list[str] | None = None
    level: WorkLevel | None = None
    identifiers: builtins.list[tuple[IdentifierScheme, str]] | None = None
    issues: builtins.list[IssueDraft] | None = None
    co_author_partner_ids: builtins.list[uuid.UUID] | None = None
    course_number: str | None = None
    instructor: str | None = None
    duration_seconds: int | None = None
    cleared: frozenset[Clearable] = frozenset()

    def __post_init__(self) -> None:
        both = sorted(name for name in self.cleared if getattr(self, name) is not None)
        if both:
            raise ValueError(f"both given and cleared: {', '.join(both)}")


@dataclass(frozen=True, slots=True)
class WorkFilter:
    search: str | None = None
    kind: WorkKind | None = None
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    partner_id: uuid.UUID | None = None
    available_digitally: bool | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    work: Work
    cursor: search.Cursor


def resource(work: Work, partner: Partner) -> Resource:
    owner = partners.resource(partner)
    return Resource(
        "Work",
        str(work.id),
        {"partner": {"__entity": owner.uid}, "kind": work.kind},
        tuple(owner.entities()),
        parents=(owner.uid,),
    )


async def _load(session: AsyncSession, work_id: uuid.UUID, *, for_update: bool = False) -> Work:
    statement = select(Work).where(Work.id == work_id)
    if for_update:
        statement = statement.with_for_update()
    work = (await session.exec(statement)).first()
    if work is None:
        raise NotFound("work", work_id)
    return work


async def get(
    identity: Identity, work_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Work:
    policy.require(identity, "work.search", PLATFORM)
    return await _load(session, work_id)


async def get_many(
    identity: Identity, ids: Iterable[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, Work]:
    policy.require(identity, "work.search", PLATFORM)
    wanted = builtins.list(set(ids))
    rows = (await session.exec(select(Work).where(col(Work.id).in_(wanted)))).all()
    return {w.id: w for w in rows}


# For this transaction only (set_config(..., true) is SET LOCAL), in one round trip; and
# the newest work's id, the bound of a first page's candidates (see "Pagination" in
# search), read in the same round trip (no max() of a uuid in PostgreSQL).
_SEARCH_SETTINGS = sa.text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('enable_seqscan', 'off', true)"
)
_SEARCH_SETTINGS_AND_NEWEST = sa.text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true) AS plan,"
    " set_config('enable_seqscan', 'off', true) AS seqscan,"
    " (SELECT id FROM work ORDER BY id DESC LIMIT 1) AS newest"
).columns(sa.column("plan"), sa.column("seqscan"), sa.column("newest", sa.Uuid()))


async def list(
    identity: Identity,
    filters: WorkFilter,
    first: int,
    after: search.Cursor | None,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Ranked]:
    """Works matching the filters: best match first when searching, else oldest first.
    A search that reads as an identifier (any usual spelling of an ISBN, ISSN or DOI)
    puts the work it names first (``lookup``). Filtering by a partner the identity may not
    see answers as if it did not exist."""
    policy.require(identity, "work.search", PLATFORM)
    if filters.partner_id is not None and not await partners.get_many(
        identity, [filters.partner_id], session=session, policy=policy
    ):
        return Page([], False)
    query = search.Query.parse(filters.search) if filters.search else None
    bound: uuid.UUID | None = None
    if query is None:
        score: sa.ColumnElement[float] = sa.literal(0.0, sa.Float())
        statement = select(Work, score)
    else:
        dialect = session.bind.dialect.name if session.bind else "sqlite"
        unfiltered = filters == WorkFilter(search=filters.search)
        if dialect == "postgresql":
            # The driver reuses prepared statements, and after five runs PostgreSQL may
            # switch to a generic plan that cannot see the query's words: a rare word
            # then scans the table. Plan every search for its own words. And the capped
            # candidate scan (LIMIT RANKED) looks cheap as a sequential scan that stops
            # early, but evaluating the match on every row it passes costs 3-30 ms at
            # 200,000 works, against 2-13 ms for the GIN indexes' bitmaps (measured).
            bound = after.bound if after is not None else None
            if unfiltered and bound is None:  # a first page of capped candidates
                settings = await session.exec(_SEARCH_SETTINGS_AND_NEWEST)  # type: ignore[call-overload]
                bound = settings.one().newest
            else:
                await session.exec(_SEARCH_SETTINGS)  # type: ignore[call-overload]
        cap = search.RANKED if unfiltered else None
        hits = search.hits(dialect, query, cap=cap, bound=bound)
        if named := lookup.recognize(filters.search or ""):  # its digits make it a query
            hits = lookup.combined(hits, named)
        if unfiltered:
            # Nothing to filter on ``work``: take the page from the index alone, so that
            # only its rows are joined (not every match).
            top = select(hits.c.work_id, hits.c.score)
            if after is not None:
                top = top.where(
                    sa.tuple_(hits.c.score, hits.c.work_id) > sa.tuple_(after.score, after.work_id)
                )
            hits = top.order_by(hits.c.score, hits.c.work_id).limit(first + 1).subquery("top")
        score = hits.c.score
        statement = select(Work, score).join(hits, hits.c.work_id == Work.id)
    if filters.kind:
        statement = statement.where(Work.kind == filters.kind.value)
    if filters.language:
        statement = statement.where(Work.language == validation.language(filters.language, []))
    if filters.year_from is not None:
        statement = statement.where(col(Work.year) >= filters.year_from)
    if filters.year_to is not None:
        statement = statement.where(col(Work.year) <= filters.year_to)
    if filters.partner_id is not None:
        co_authored = select(WorkPartner.work_id).where(
            WorkPartner.partner_id == filters.partner_id
        )
        statement = statement.where(
            (col(Work.created_by_partner_id) == filters.partner_id) | col(Work.id).in_(co_authored)
        )
    if filters.available_digitally is not None:
        statement = statement.where(Work.available_digitally == filters.available_digitally)
    if after is not None:
        if query is None:
            statement = statement.where(col(Work.id) > after.work_id)
        else:
            statement = statement.where(
                sa.tuple_(score, col(Work.id)) > sa.tuple_(after.score, after.work_id)
            )
    statement = statement.order_by(score, col(Work.id)).limit(first + 1)
    rows = (await session.exec(statement)).all()
    ranked = [Ranked(work, search.Cursor(float(s), work.id, bound)) for work, s in rows]
    return Page(ranked[:first], len(ranked) > first)


async def relations_of(
    identity: Identity, ids: Sequence[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, relations.Relations]:
    """Contributors, identifiers, issues and co-author ids of each work, in one query."""
    policy.require(identity, "work.search", PLATFORM)
    return await relations.read(session, ids)


async def co_authors_of(
    identity: Identity,
    listed: Mapping[uuid.UUID, relations.Relations],
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> dict[uuid.UUID, builtins.list[Partner]]:
    """The co-authoring partners of each listed work that the identity may read (no query
    when none has any)."""
    wanted = {p for found in listed.values() for p in found.co_author_ids}
    readable = await partners.get_many(identity, wanted, session=session, policy=policy)
    return {
        work_id: [readable[p] for p in found.co_author_ids if p in readable]
        for work_id, found in listed.items()
    }


def _acting_partner(identity: Identity, requested: uuid.UUID | None) -> uuid.UUID:
    return identity.own_library(requested)


async def _partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


async def _existing_partners(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = builtins.list(set(ids))
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


def _require_create(identity: Identity, partner: Partner, policy: PolicyEngine) -> None:
    policy.require(identity, "work.create", partners.resource(partner))


async def create(
    identity: Identity, draft: WorkDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Work:
    """Catalogue a work for a partner (its librarians, coordinators, admins)."""
    partner = await _partner(uow.session, _acting_partner(identity, draft.partner_id))
    _require_create(identity, partner, policy)
    work = _new_work(draft, partner.id)
    after = await _write(identity, work, draft, uow=uow, replace=False)
    uow.record(AuditRecord(identity.label, "work.create", "work", str(work.id), None, after))
    return work


Created = uuid.UUID | ValidationFailed | Conflict | NotFound


async def create_many(
    identity: Identity, drafts: Sequence[WorkDraft], *, uow: UnitOfWork, policy: PolicyEngine
) -> builtins.list[Created]:
    """Catalogue many works at once; one result per draft, in order: the new work's id, or
    why it was not created (ValidationFailed, NotFound for an unknown partner, Conflict
    naming the work that already has one of its identifiers, possibly one made from an
    earlier draft of the same batch). A bad draft never stops the others. Permission is
    asked once per partner; a denial raises PermissionDenied for the whole batch.

    The batch costs a constant number of statements: partners and identifier conflicts are
    looked up in one query each; works, related rows and index rows are inserted with one
    executemany per table."""
    session = uow.session
    results: builtins.list[Created | None] = [None] * len(drafts)
    acting: dict[int, uuid.UUID] = {}
    for index, draft in enumerate(drafts):
        try:
            acting[index] = _acting_partner(identity, draft.partner_id)
        except ValidationFailed as error:
            results[index] = error
    mentioned = set(acting.values()) | {p for d in drafts for p in d.co_author_partner_ids}
    found: dict[uuid.UUID, Partner] = {}
    if mentioned:
        statement = select(Partner).where(col(Partner.id).in_(builtins.list(mentioned)))
        found = {p.id: p for p in (await session.exec(statement)).all()}
    for partner_id in sorted(set(acting.values())):
        if partner_id in found:
            _require_create(identity, found[partner_id], policy)
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
    new: builtins.list[rows.Prepared] = []
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
    statement = statement.where(col(WorkIdentifier.value).in_(builtins.list(set(values))))
    return {(scheme, value): work_id for scheme, value, work_id in await session.exec(statement)}


async def _insert(session: AsyncSession, items: Sequence[rows.Prepared]) -> None:
    """Insert new works and their related rows, one executemany per table."""
    groups: tuple[tuple[type[SQLModel], builtins.list[rows.Columns]], ...] = (
        (Work, [p.work for p in items]),
        (WorkContributor, [c for p in items for c in p.contributors]),
        (WorkIdentifier, [i for p in items for i in p.identifiers]),
        (JournalIssue, [i for p in items for i in p.issues]),
        (WorkPartner, [link for p in items for link in p.links]),
    )
    for model, columns in groups:
        if columns:
            await session.exec(sa.insert(table(model)), params=columns)


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
        subjects=builtins.list(work.subjects),
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
    work = await _load(uow.session, work_id, for_update=True)
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
