"""Importing a file of records into the catalogue, with a report on every record.

Each record becomes ``created`` (a new work, through ``catalogue.service.create`` with its
validation, policy check and audit record), ``merged`` (it is an existing work by the rules
of ``matching``, and the outcome says what it matched on: nothing is written, so importing
a file twice creates nothing the second time) or ``rejected`` with the service's typed
errors. Readers bend one bad field instead of losing the record (``leniency``); what they
changed comes back as the record's warnings. A file with no record at all is an error
(ValidationFailed), not an empty success.

Records are written in batches of ``batch_size``, one transaction each, through
``catalogue.service.create_many``: every draft is validated and checked for identifier
conflicts before anything is inserted, so a rejected record is simply left out and the rest
of the batch lands, in a constant number of statements per batch. Should the insert still
fail (a concurrent writer took an identifier between check and insert), the batch is
retried one record at a time, each in its own savepoint. One transaction per record would
commit (and fsync) 50,000 times for a large file; see the benchmark
``bench/catalogue_import.py`` for the figures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from itertools import islice

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import service as works
from exchange.catalogue.formats import matching
from exchange.catalogue.formats.outcomes import (
    ImportReport,
    Outcome,
    Status,
    merged,
    outcome_of,
    unreadable,
)
from exchange.catalogue.formats.records import Entry
from exchange.catalogue.validation import WorkDraft
from exchange.db.engine import Database
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import Identity, Role
from exchange.identity.models import Membership
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine

DEFAULT_BATCH = 500


def _batches(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    iterator = iter(entries)
    while batch := list(islice(iterator, size)):
        yield batch


async def _read_ahead(batches: Iterator[list[Entry]]) -> AsyncIterator[list[Entry]]:
    """The batches, each read (parsed) in a worker thread while the previous one is being
    written: SQLite and the database driver release the GIL while they work, so reading
    overlaps writing. At most two batches are in memory."""
    ahead = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    try:
        while (batch := await ahead) is not None:
            ahead = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
            yield batch
    finally:
        if not ahead.done():  # the reader must not outlive the caller's open file
            await asyncio.wait([ahead])


async def _one(
    identity: Identity,
    entry: Entry,
    partner_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Outcome:
    """One record in its own savepoint (after a batch lost a race for an identifier)."""
    if entry.draft is None:
        return unreadable(entry)
    draft = dataclasses.replace(entry.draft, partner_id=partner_id)
    found = (await matching.find(uow.session, partner_id, [(entry.control, draft)]))[0]
    if found.match is not None:
        return merged(entry, found.match)
    try:
        async with uow.session.begin_nested():
            work = await works.create(
                identity, matching.without(draft, found.clashes), uow=uow, policy=policy
            )
    except (ValidationFailed, Conflict) as error:
        return outcome_of(entry, error)
    return Outcome(entry.position, entry.label, Status.CREATED, work.id, warnings=entry.warnings)


async def _batch(
    identity: Identity,
    entries: list[Entry],
    partner_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> dict[int, Outcome]:
    """Outcomes of a batch by position: matched by ``matching.find``, the rest written with
    one ``create_many``. A record that shares an identifier (or, without identifiers, a
    title key) with an earlier record of the batch waits for a second round, where it
    matches the work the first one created."""
    outcomes = {e.position: unreadable(e) for e in entries if e.draft is None}
    drafts = [
        (entry, dataclasses.replace(entry.draft, partner_id=partner_id))
        for entry in entries
        if entry.draft is not None
    ]
    found = await matching.find(uow.session, partner_id, [(e.control, d) for e, d in drafts])
    pending: list[tuple[Entry, WorkDraft]] = []
    later: list[Entry] = []
    seen: set[object] = set()
    for (entry, draft), decision in zip(drafts, found, strict=True):
        if decision.match is not None:
            outcomes[entry.position] = merged(entry, decision.match)
            continue
        identifying = matching.keys(draft)
        marks: list[object] = list(identifying) or [matching.title_key(draft)]
        if entry.control is not None:
            marks.append(entry.control)
        if any(mark in seen for mark in marks):
            later.append(entry)
            continue
        seen.update(marks)
        pending.append((entry, matching.without(draft, decision.clashes)))
    results = await works.create_many(identity, [d for _, d in pending], uow=uow, policy=policy)
    for (entry, _), result in zip(pending, results, strict=True):
        outcomes[entry.position] = outcome_of(entry, result)
    if later:
        outcomes.update(await _batch(identity, later, partner_id, uow=uow, policy=policy))
    return outcomes


async def partner_for(session: AsyncSession, requested: uuid.UUID | None) -> uuid.UUID:
    """The partner an operator's import is catalogued for: the one named (which must
    exist), else the partner of the platform's first administrator. Permission is
    checked per record by the import."""
    if requested is not None:
        if await session.get(Partner, requested) is None:
            raise NotFound("partner", requested)
        return requested
    statement = (
        select(Membership.partner_id)
        .where(Membership.role == Role.ADMIN.value)
        .order_by(col(Membership.created_at), col(Membership.id))
        .limit(1)
    )
    found = (await session.exec(statement)).first()
    if found is None:
        raise ValidationFailed.single("partner", "required", "no administrator: name a partner")
    return found


async def import_entries(
    identity: Identity,
    entries: Iterable[Entry],
    partner_id: uuid.UUID,
    *,
    db: Database,
    policy: PolicyEngine,
    batch_size: int = DEFAULT_BATCH,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> ImportReport:
    """Catalogue every entry for ``partner_id`` as ``identity``. Owns its transactions (one
    per batch), because a large file must neither be one transaction nor stop at the first
    bad record. Permission is the service's: ``work.create`` for that partner, per record."""
    async with db.read() as session:
        await partner_for(session, partner_id)
    report = ImportReport()
    async for batch in _read_ahead(_batches(entries, batch_size)):
        try:
            async with db.unit_of_work() as uow:
                outcomes = await _batch(identity, batch, partner_id, uow=uow, policy=policy)
        except sa.exc.IntegrityError:  # lost a race for an identifier: record by record
            async with db.unit_of_work() as uow:
                outcomes = {
                    e.position: await _one(identity, e, partner_id, uow=uow, policy=policy)
                    for e in batch
                }
        for entry in batch:
            outcome = outcomes[entry.position]
            report.add(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    if report.total == 0:
        raise ValidationFailed.single(
            "file", "no_records", "nothing recognisable: the file holds no record"
        )
    return report
