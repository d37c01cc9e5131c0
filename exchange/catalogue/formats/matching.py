"""Which existing work an imported record is: the matching rules, in one place.

A record merges with (is) an existing work on the first of these that holds; every merge
names what it matched on (``Match.on``), and the import report shows it.

1. **Our control number.** 001 holding a work id (a UUID) with 003 ``scholarly-exchange``
   (MARC), or a ``urn:uuid:`` identifier (Dublin Core): what our own exports write. Work
   ids are UUIDs, unique across instances, so any instance's export is recognised, and a
   work that does not exist here is matched by the rules below. ``on``: "control number".
2. **Identifiers, in the order ISBN, ISSN, DOI** (valid ones, in normal form: an ISBN-10
   and its ISBN-13 are one): the work that holds the same one. ``on``: "isbn 978…".
   Differing ISBNs never merge: a record with ISBNs is not matched, by an ISSN or DOI,
   with a work that has ISBNs and none of the record's (two editions of a series). The
   identifier such a record shares is left off the new work (it stays on the old one)
   with a warning, since an ISSN or DOI identifies one work in this catalogue.
3. **Title**, only for a record that has no ISBN, ISSN or DOI: a work of the same
   cataloguing partner with the same kind, language, year and first-title key
   (``search.title_key``). ``on``: "title, kind, language and year".

Never an identity: call numbers (MARC 050/090/099; several editions of one novel share
one, and a library may reuse them), invalid ISBNs (020 $z), names, publishers.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import identifiers, search, validation
from exchange.catalogue.models import IdentifierScheme, Work, WorkIdentifier
from exchange.catalogue.validation import WorkDraft

# Schemes that identify a work, in the order they are tried.
IDENTIFYING = (IdentifierScheme.ISBN, IdentifierScheme.ISSN, IdentifierScheme.DOI)
NO_SCOPE = uuid.UUID(int=0)
TitleKey = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """The work a record is, and what it matched on (for the report)."""

    work_id: uuid.UUID
    on: str


@dataclass(frozen=True, slots=True)
class Found:
    """For one record: its match, or None; and identifiers to leave off a new work (held
    by a work it must not merge with, see rule 2)."""

    match: Match | None
    clashes: tuple[tuple[IdentifierScheme, str], ...] = ()


def keys(draft: WorkDraft) -> list[tuple[str, str]]:
    """The (scheme, normal value) pairs of ``draft`` that identify a work, in rule order."""
    found: list[tuple[str, str]] = []
    for scheme in IDENTIFYING:
        for raw_scheme, raw in draft.identifiers:
            if raw_scheme is scheme:
                value = identifiers.normalize(scheme, raw, "", [], NO_SCOPE)
                if value is not None and (scheme.value, value) not in found:
                    found.append((scheme.value, value))
    return found


def title_key(draft: WorkDraft) -> TitleKey:
    """What a record without identifiers shares with the work it is: kind, language (as
    the catalogue stores it), year and the key of its first title."""
    title = search.title_key(draft.titles[0][1]) if draft.titles else ""
    language = validation.language(draft.language, [])
    return (draft.kind.value, language, draft.year, title)


_TITLES = (
    sa.select(
        col(Work.id), col(Work.title_hash), col(Work.kind), col(Work.language), col(Work.year)
    )
    .where(
        col(Work.created_by_partner_id) == sa.bindparam("partner_id"),
        col(Work.title_hash).in_(sa.bindparam("hashes", expanding=True)),
    )
    .order_by(col(Work.id))
)
_IDENTIFIERS = sa.select(
    col(WorkIdentifier.scheme), col(WorkIdentifier.value), col(WorkIdentifier.work_id)
).where(col(WorkIdentifier.value).in_(sa.bindparam("values", expanding=True)))
_ISBNS = sa.select(col(WorkIdentifier.work_id), col(WorkIdentifier.value)).where(
    col(WorkIdentifier.scheme) == IdentifierScheme.ISBN.value,
    col(WorkIdentifier.work_id).in_(sa.bindparam("works", expanding=True)),
)
_WORKS = sa.select(col(Work.id)).where(col(Work.id).in_(sa.bindparam("ids", expanding=True)))


async def _rows(session: AsyncSession, statement: Any, **params: object) -> list[Any]:
    return list((await session.exec(statement, params=params)).all())


async def find(
    session: AsyncSession,
    partner_id: uuid.UUID,
    records: Sequence[tuple[uuid.UUID | None, WorkDraft]],
) -> list[Found]:
    """What each (control number, draft) of a batch matches, by the rules above: at most
    four queries for the whole batch."""
    controls = [c for c, _ in records if c is not None]
    existing: set[uuid.UUID] = set()
    if controls:
        existing = {row[0] for row in await _rows(session, _WORKS, ids=controls)}
    identifying = [keys(draft) for _, draft in records]
    values = list({value for found in identifying for _, value in found})
    held: dict[tuple[str, str], uuid.UUID] = {}
    if values:
        rows = await _rows(session, _IDENTIFIERS, values=values)
        held = {(scheme, value): work_id for scheme, value, work_id in rows}
    isbns: dict[uuid.UUID, set[str]] = {}
    if held:
        for work_id, value in await _rows(session, _ISBNS, works=list(set(held.values()))):
            isbns.setdefault(work_id, set()).add(value)
    titled = {
        title_key(draft)
        for (_, draft), found in zip(records, identifying, strict=True)
        if not found
    }
    by_title: dict[TitleKey, uuid.UUID] = {}
    hashes = list({key[3] for key in titled if key[3]})
    if hashes:
        rows = await _rows(session, _TITLES, partner_id=partner_id, hashes=hashes)
        for work_id, title_hash, kind, language, year in rows:
            by_title.setdefault((kind, language, year, title_hash), work_id)
    results: list[Found] = []
    for (control, draft), found in zip(records, identifying, strict=True):
        if control is not None and control in existing:
            results.append(Found(Match(control, "control number")))
            continue
        own_isbns = {value for scheme, value in found if scheme == IdentifierScheme.ISBN.value}
        match: Match | None = None
        clashes: list[tuple[IdentifierScheme, str]] = []
        for scheme, value in found:
            work_id = held.get((scheme, value))
            if work_id is None:
                continue
            theirs = isbns.get(work_id, set())
            if (
                scheme != IdentifierScheme.ISBN.value
                and own_isbns
                and theirs
                and not theirs & own_isbns
            ):
                clashes.append((IdentifierScheme(scheme), value))
                continue
            match = Match(work_id, f"{scheme} {value}")
            break
        if match is None and not found:
            work_id = by_title.get(title_key(draft))
            match = None if work_id is None else Match(work_id, "title, kind, language and year")
        results.append(Found(match, tuple(clashes) if match is None else ()))
    return results


def without(draft: WorkDraft, clashes: Sequence[tuple[IdentifierScheme, str]]) -> WorkDraft:
    """``draft`` without the identifiers (given in normal form) that ``clashes`` names."""
    unwanted = {(s.value, v) for s, v in clashes}
    kept = [
        (scheme, raw)
        for scheme, raw in draft.identifiers
        if (scheme.value, identifiers.normalize(scheme, raw, "", [], NO_SCOPE)) not in unwanted
    ]
    return dataclasses.replace(draft, identifiers=kept)
