"""What people know an allocation by: the title of the work it promises (the work's first
title, with its language), for messages that name allocations (``exchange.messages.Ref``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations.models import Allocation
from exchange.catalogue.models import Work
from exchange.offers.models import OfferLine


def first_title(work: Work) -> tuple[str, str]:
    """(title, language tag) of the work's first title; ("", "") when it has none."""
    first = work.titles[0] if work.titles else {}
    return str(first.get("value", "")), str(first.get("lang", ""))


async def titles(
    session: AsyncSession, allocation_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """(title, language) of each allocation's work, in one query."""
    wanted = list(allocation_ids)
    if not wanted:
        return {}
    rows = await session.exec(
        select(Allocation.id, Work)
        .join(OfferLine, col(OfferLine.id) == col(Allocation.offer_line_id))
        .join(Work, col(Work.id) == col(OfferLine.work_id))
        .where(col(Allocation.id).in_(wanted))
    )
    return {row[0]: first_title(row[1]) for row in rows.all()}
