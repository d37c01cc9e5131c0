"""What is listed under each work (contributors, identifiers, journal issues, co-authoring
partners), read for a batch of works in one statement.

A page of search results asks for all of them at once; four small queries cost four
round trips (on aiosqlite each is a hop to the connection's thread and back), so the
child tables are read as one ``UNION ALL`` of rows shaped alike, sorted here. The caller
authorizes: this module reads, it does not decide who may.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue.models import JournalIssue, WorkContributor, WorkIdentifier, WorkPartner
from exchange.db.table import table


@dataclass(frozen=True, slots=True)
class Contributor:
    name: str
    romanized: str | None
    role: str


@dataclass(frozen=True, slots=True)
class Identifier:
    """In its stored normal form (``identifiers.display`` shows it)."""

    scheme: str
    value: str
    qualifier: str | None = None  # of an ISBN: "v1", "pbk." (MARC 020 $q)


@dataclass(frozen=True, slots=True)
class Issue:
    volume: str
    number: str
    year: int
    id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Relations:
    """Of one work: contributors in their order, identifiers in the order they were
    recorded, issues oldest first, co-authoring partners by id."""

    contributors: list[Contributor] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    co_author_ids: list[uuid.UUID] = field(default_factory=list)


def _union() -> sa.CompoundSelect[Any]:
    """(work_id, kind, n, s, a, b, c): an int and a text sort key, three text values."""
    text, number = sa.String(), sa.Integer()

    def none(kind: Any) -> Any:
        return sa.cast(sa.null(), kind)

    def part(
        model: type[WorkContributor | WorkIdentifier | JournalIssue | WorkPartner],
        kind: str,
        *columns: Any,
    ) -> sa.Select[Any]:
        n, s, a, b, c = columns
        rows = table(model)
        return sa.select(
            rows.c.work_id.label("work_id"),
            sa.literal(kind, text).label("kind"),
            n.label("n"),
            s.label("s"),
            a.label("a"),
            b.label("b"),
            c.label("c"),
        ).where(rows.c.work_id.in_(sa.bindparam(f"ids_{kind}", expanding=True)))

    people, codes = table(WorkContributor), table(WorkIdentifier)
    issues, links = table(JournalIssue), table(WorkPartner)
    return sa.union_all(
        part(
            WorkContributor,
            "c",
            people.c.position,
            none(text),
            people.c.name,
            people.c.romanized,
            people.c.role,
        ),
        part(
            WorkIdentifier,
            "i",
            none(number),
            sa.cast(codes.c.id, text),
            codes.c.scheme,
            codes.c.value,
            codes.c.qualifier,
        ),
        part(
            JournalIssue,
            "j",
            issues.c.year,
            none(text),
            issues.c.volume,
            issues.c.number,
            sa.cast(issues.c.id, text),
        ),
        part(
            WorkPartner,
            "p",
            none(number),
            none(text),
            sa.cast(links.c.partner_id, text),
            none(text),
            none(text),
        ),
    )


_RELATIONS = _union()


async def read(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Relations]:
    """The relations of each of ``ids`` (empty ones for works with none)."""
    found: dict[uuid.UUID, Relations] = {i: Relations() for i in ids}
    if not found:
        return found
    wanted = list(found)
    params = {f"ids_{kind}": wanted for kind in "cijp"}
    # SQLModel's exec runs a UNION, but its overloads name only select and DML constructs;
    # its execute is deprecated (a DeprecationWarning per call)
    rows = (await session.exec(_RELATIONS, params=params)).all()  # type: ignore[call-overload]
    for work_id, kind, n, _, a, b, c in sorted(rows, key=_order):
        listed = found[work_id]
        if kind == "c":
            listed.contributors.append(Contributor(a, b, c))
        elif kind == "i":
            listed.identifiers.append(Identifier(a, b, c))
        elif kind == "j":
            listed.issues.append(Issue(a, b, n, uuid.UUID(c)))
        else:
            listed.co_author_ids.append(uuid.UUID(a))
    return found


def _order(row: Any) -> tuple[str, int, str, str, str]:
    """Contributors by position, identifiers by id (UUIDv7: recorded order), issues by
    (year, volume, number), co-authors by id."""
    _, kind, n, s, a, b, _ = row
    return (str(kind), int(n or 0), str(s or ""), str(a or ""), str(b or ""))
