"""What an import made of each record (created, merged or rejected, with the reasons) and
the report that counts them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from exchange.catalogue import service as works
from exchange.catalogue.formats import matching
from exchange.catalogue.formats.records import Entry
from exchange.errors import Conflict, FieldError, ValidationFailed

KEPT = 10_000


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
    warnings: tuple[str, ...] = ()  # what was changed or doubted to keep the record
    matched_on: str | None = None  # of a merge: what it matched on (see ``matching``)

    @property
    def reason(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in self.errors)


@dataclass(slots=True)
class ImportReport:
    """Counts, and the outcomes worth reading: every rejection, merge and record with
    warnings, up to ``KEPT`` of each (the counts go on)."""

    created: int = 0
    merged: int = 0
    rejected: int = 0
    warned: int = 0
    rejections: list[Outcome] = field(default_factory=list)
    merges: list[Outcome] = field(default_factory=list)
    warnings: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        if outcome.status is Status.CREATED:
            self.created += 1
        elif outcome.status is Status.MERGED:
            self.merged += 1
            if len(self.merges) < KEPT:
                self.merges.append(outcome)
        else:
            self.rejected += 1
            if len(self.rejections) < KEPT:
                self.rejections.append(outcome)
        if outcome.warnings:
            self.warned += 1
            if len(self.warnings) < KEPT:
                self.warnings.append(outcome)

    @property
    def total(self) -> int:
        return self.created + self.merged + self.rejected


def unreadable(entry: Entry) -> Outcome:
    """A record the reader could not make a draft of: rejected, with the reader's reason."""
    problem = FieldError("", "unreadable", entry.problem or "unreadable record")
    return Outcome(entry.position, entry.label, Status.REJECTED, errors=(problem,))


def merged(entry: Entry, match: matching.Match) -> Outcome:
    """A record that is an existing work: nothing written, the match says on what."""
    return Outcome(
        entry.position, entry.label, Status.MERGED, match.work_id, (), entry.warnings, match.on
    )


def outcome_of(entry: Entry, result: works.Created) -> Outcome:
    """What ``catalogue.service.create_many`` made of a record: created (a work id), rejected
    (its typed error), or merged (an identifier a concurrent writer took meanwhile)."""
    warnings = entry.warnings
    if isinstance(result, uuid.UUID):
        return Outcome(entry.position, entry.label, Status.CREATED, result, warnings=warnings)
    if isinstance(result, ValidationFailed):
        return Outcome(
            entry.position,
            entry.label,
            Status.REJECTED,
            errors=tuple(result.errors),
            warnings=warnings,
        )
    if isinstance(result, Conflict) and result.existing_id is not None:
        # Only a concurrent writer can take an identifier between ``find`` and the insert.
        work_id = uuid.UUID(result.existing_id)
        return merged(entry, matching.Match(work_id, f"an identifier ({result.message})"))
    field = "identifiers" if isinstance(result, Conflict) else "partner"
    problem = FieldError(field, result.code, result.message)
    return Outcome(
        entry.position, entry.label, Status.REJECTED, errors=(problem,), warnings=warnings
    )
