"""Importing a file of records into the catalogue, with a report on every record.

Each record becomes ``created`` (a new work, through ``catalogue.service.create`` with its
validation, policy check and audit record), ``merged`` (a work with one of its identifiers
already exists, or, for a record without identifiers, a work of the same partner with the
same first title, kind, language and year: nothing is written, so importing a file twice
creates nothing the second time) or ``rejected`` with the service's typed errors.

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
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import search, validation
from exchange.catalogue import service as works
from exchange.catalogue.formats import dublin_core, marc, records
from exchange.catalogue.formats.records import Entry
from exchange.catalogue.models import Work
from exchange.catalogue.validation import WorkDraft
from exchange.db.engine import Database
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity, Role
from exchange.identity.models import Membership
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine

DEFAULT_BATCH = 500
KEPT_REJECTIONS = 20


class Format(StrEnum):
    MARC21 = "marc21"
    MARCXML = "marcxml"
    DC = "dc"


class Status(StrEnum):
    CREATED = "created"
    MERGED = "merged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one record. ``work_id`` is the new or the matching work."""

    position: int
    label: str
    status: Status
    work_id: uuid.UUID | None = None
    errors: tuple[FieldError, ...] = ()
    warnings: tuple[FieldError, ...] = ()  # what was changed to keep the record

    @property
    def reason(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in self.errors)


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    merged: int = 0
    rejected: int = 0
    rejections: list[Outcome] = field(default_factory=list)
    warned: int = 0
    warnings: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        if outcome.warnings:
            self.warned += 1
            if len(self.warnings) < KEPT_REJECTIONS:
                self.warnings.append(outcome)
        if outcome.status is Status.CREATED:
            self.created += 1
        elif outcome.status is Status.MERGED:
            self.merged += 1
        else:
            self.rejected += 1
            if len(self.rejections) < KEPT_REJECTIONS:
                self.rejections.append(outcome)

    @property
    def total(self) -> int:
        return self.created + self.merged + self.rejected


def detect(head: bytes) -> Format:
    """The format of a file from its first bytes (a few kilobytes are plenty)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        if marc.MARC_NS.encode() in head:
            return Format.MARCXML
        if dublin_core.OAI_DC_NS.encode() in head or dublin_core.DC_NS.encode() in head:
            return Format.DC
    elif len(text) >= 24 and text[:5].isdigit() and text[12:17].isdigit():
        return Format.MARC21
    raise ValidationFailed.single(
        "format", "unknown_format", "not MARC21, MARCXML or Dublin Core XML; give --format"
    )


def read(handle: BinaryIO, format: Format) -> Iterator[Entry]:
    """The entries of a file, one record at a time."""
    if format is Format.MARC21:
        entries = marc.read_marc21(handle)
    elif format is Format.MARCXML:
        entries = marc.read_marcxml(handle)
    else:
        entries = dublin_core.read(handle)
    return map(records.stripped, entries)


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


def _title_key(draft: WorkDraft) -> tuple[object, ...]:
    """What a record without identifiers shares with the work it is: kind, language (as
    the catalogue stores it), year and the key of its first title."""
    title = search.title_key(draft.titles[0][1]) if draft.titles else ""
    language = validation.language(draft.language, [])
    return (draft.kind.value, language, draft.year, title)


async def _same_titles(
    session: AsyncSession, partner_id: uuid.UUID, keys: Iterable[tuple[object, ...]]
) -> dict[tuple[object, ...], uuid.UUID]:
    """The works of ``partner_id`` that records without identifiers are, by their title
    keys (``_title_key``): one query through the partner's title index for a batch."""
    hashes = list({key[3] for key in keys if key[3]})
    if not hashes:
        return {}
    params = {"partner_id": partner_id, "hashes": hashes}
    found = await session.exec(_SAME_TITLES, params=params)  # type: ignore[call-overload]
    existing: dict[tuple[object, ...], uuid.UUID] = {}
    for work_id, title_hash, kind, language, year in found.all():
        existing.setdefault((kind, language, year, title_hash), work_id)
    return existing


_SAME_TITLES = (
    sa.select(
        col(Work.id), col(Work.title_hash), col(Work.kind), col(Work.language), col(Work.year)
    )
    .where(
        col(Work.created_by_partner_id) == sa.bindparam("partner_id"),
        col(Work.title_hash).in_(sa.bindparam("hashes", expanding=True)),
    )
    .order_by(col(Work.id))
)


async def _one(
    identity: Identity,
    entry: Entry,
    partner_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Outcome:
    if entry.draft is None:
        problem = FieldError("", "unreadable", entry.problem or "unreadable record")
        return Outcome(entry.position, entry.label, Status.REJECTED, errors=(problem,))
    draft = dataclasses.replace(entry.draft, partner_id=partner_id)
    session = uow.session
    if not draft.identifiers:
        key = _title_key(draft)
        same = await _same_titles(session, partner_id, [key])
        if (existing := same.get(key)) is not None:
            return Outcome(entry.position, entry.label, Status.MERGED, existing)
    try:
        async with session.begin_nested():
            work = await works.create(identity, draft, uow=uow, policy=policy)
    except ValidationFailed as error:
        return Outcome(entry.position, entry.label, Status.REJECTED, errors=tuple(error.errors))
    except Conflict as error:
        if error.existing_id is None:
            problem = FieldError("identifiers", error.code, error.message)
            return Outcome(entry.position, entry.label, Status.REJECTED, errors=(problem,))
        return Outcome(entry.position, entry.label, Status.MERGED, uuid.UUID(error.existing_id))
    return Outcome(entry.position, entry.label, Status.CREATED, work.id)


def _outcome(entry: Entry, result: works.Created) -> Outcome:
    if isinstance(result, uuid.UUID):
        return Outcome(entry.position, entry.label, Status.CREATED, result)
    if isinstance(result, ValidationFailed):
        return Outcome(entry.position, entry.label, Status.REJECTED, errors=tuple(result.errors))
    if isinstance(result, Conflict) and result.existing_id is not None:
        return Outcome(entry.position, entry.label, Status.MERGED, uuid.UUID(result.existing_id))
    field = "identifiers" if isinstance(result, Conflict) else "partner"
    problem = FieldError(field, result.code, result.message)
    return Outcome(entry.position, entry.label, Status.REJECTED, errors=(problem,))


async def _batch(
    identity: Identity,
    entries: list[Entry],
    partner_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> dict[int, Outcome]:
    """Outcomes of a batch by position, written with one ``create_many``. A record without
    identifiers whose title another record of the batch already has waits for a second
    round, where it merges with the work the first one created."""
    outcomes: dict[int, Outcome] = {}
    pending: list[tuple[Entry, WorkDraft]] = []
    later: list[Entry] = []
    titles: set[tuple[object, ...]] = set()
    drafts = [
        (entry, dataclasses.replace(entry.draft, partner_id=partner_id))
        for entry in entries
        if entry.draft is not None
    ]
    keys = {entry.position: _title_key(draft) for entry, draft in drafts if not draft.identifiers}
    existing = await _same_titles(uow.session, partner_id, keys.values())
    for entry in entries:
        if entry.draft is None:
            problem = FieldError("", "unreadable", entry.problem or "unreadable record")
            outcomes[entry.position] = Outcome(
                entry.position, entry.label, Status.REJECTED, errors=(problem,)
            )
    for entry, draft in drafts:
        if not draft.identifiers:
            key = keys[entry.position]
            if (work_id := existing.get(key)) is not None:
                outcomes[entry.position] = Outcome(
                    entry.position, entry.label, Status.MERGED, work_id
                )
                continue
            if key in titles:
                later.append(entry)
                continue
            titles.add(key)
        pending.append((entry, draft))
    results = await works.create_many(identity, [d for _, d in pending], uow=uow, policy=policy)
    for (entry, _), result in zip(pending, results, strict=True):
        outcomes[entry.position] = _outcome(entry, result)
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
            if entry.warnings:
                outcome = dataclasses.replace(outcome, warnings=entry.warnings)
            report.add(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return report
