"""Journal issues named by offer lines: a line of a journal work may say which of the
work's issues it offers (``OfferLineDraft.issue_ids``; none named: the line does not say)."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue.models import JournalIssue
from exchange.errors import FieldError, ValidationFailed
from exchange.messages import N_
from exchange.offers.models import OfferLine, OfferLineIssue

MAX_ISSUES = 500


async def check(
    session: AsyncSession, lines: Sequence[tuple[uuid.UUID, Sequence[uuid.UUID]]]
) -> None:
    """``lines``: (work id, issue ids) per draft line, in order. ``ValidationFailed`` on
    ``lines[i].issueIds`` when an id is not an issue of that line's work (one query)."""
    errors: builtins.list[FieldError] = []
    wanted = {i for _work, ids in lines for i in ids}
    for index, (_work, ids) in enumerate(lines):
        if len(ids) > MAX_ISSUES:
            errors.append(
                FieldError(
                    f"lines[{index}].issueIds",
                    "too_many",
                    N_("at most {max_issues}", max_issues=MAX_ISSUES),
                )
            )
    work_of: dict[uuid.UUID, uuid.UUID] = {}
    if wanted:
        rows = await session.exec(
            select(JournalIssue.id, JournalIssue.work_id).where(col(JournalIssue.id).in_(wanted))
        )
        work_of = dict(rows.all())
    for index, (work, ids) in enumerate(lines):
        if any(work_of.get(i) != work for i in ids):
            errors.append(
                FieldError(
                    f"lines[{index}].issueIds",
                    "unknown_issue",
                    "name issues of the line's journal (Work.issues ids)",
                )
            )
    if errors:
        raise ValidationFailed(errors)


def rows(lines: Iterable[tuple[OfferLine, Sequence[uuid.UUID]]]) -> list[OfferLineIssue]:
    """The link rows of created lines and the issue ids their drafts named."""
    return [
        OfferLineIssue(offer_line_id=line.id, journal_issue_id=issue_id)
        for line, ids in lines
        for issue_id in dict.fromkeys(ids)
    ]


async def of_lines(
    line_ids: Iterable[uuid.UUID], *, session: AsyncSession
) -> dict[uuid.UUID, builtins.list[JournalIssue]]:
    """The issues each offer line names (for loaders), by volume and number."""
    result: dict[uuid.UUID, builtins.list[JournalIssue]] = {i: [] for i in set(line_ids)}
    if not result:
        return result
    statement = (
        select(OfferLineIssue.offer_line_id, JournalIssue)
        .join(JournalIssue, col(JournalIssue.id) == col(OfferLineIssue.journal_issue_id))
        .where(col(OfferLineIssue.offer_line_id).in_(builtins.list(result)))
        .order_by(col(JournalIssue.year), col(JournalIssue.volume), col(JournalIssue.number))
    )
    for line_id, issue in (await session.exec(statement)).all():
        result[line_id].append(issue)
    return result
