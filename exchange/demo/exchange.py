"""Demo offers and requests that match each other, and one allocation already made."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import select

from exchange import clock
from exchange.allocations import service as allocations
from exchange.catalogue.models import Work, WorkKind, WorkLevel
from exchange.db.uow import UnitOfWork
from exchange.identity.identity import Identity
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import Priority


async def _work(uow: UnitOfWork, title: str) -> uuid.UUID:
    for work in (await uow.session.exec(select(Work))).all():
        if any(t["value"] == title for t in work.titles):
            return work.id
    raise LookupError(f"demo work {title!r} is missing")


async def load(
    uow: UnitOfWork,
    policy: PolicyEngine,
    partners: dict[str, uuid.UUID],
    people: dict[str, Identity],
) -> None:
    """``people`` maps a partner key to its librarian, and "coordinator" to the coordinator."""
    algebra = await _work(uow, "Introduction to Linear Algebra")
    physics = await _work(uow, "Курс общей физики. Том 1. Механика")
    journal = await _work(uow, "Journal of Library Science in Asia")
    dictionary = await _work(uow, "Korean–English Dictionary of Science and Technology")
    expiry = clock.now() + timedelta(days=90)

    async def offer(
        key: str, lines: list[offers.OfferLineDraft], licence: str | None = None
    ) -> list[uuid.UUID]:
        draft = offers.OfferDraft(
            partners[key], lines, expiry, "Shipping paid by the donor.", licence
        )
        created = await offers.create(people[key], draft, uow=uow, policy=policy)
        await offers.transition(people[key], created.id, "publish", uow=uow, policy=policy)
        return [
            line.id
            for line in (await offers.lines_of([created.id], session=uow.session))[created.id]
        ]

    foundation_lines = await offer(
        "foundation",
        [
            offers.OfferLineDraft(algebra, 20, Format.PRINT, Condition.GOOD),
            offers.OfferLineDraft(physics, 10, Format.PRINT, Condition.GOOD),
            offers.OfferLineDraft(journal, 5, Format.DIGITAL),
        ],
        licence="CC-BY-4.0",
    )
    await offer(
        "publisher",
        [
            offers.OfferLineDraft(algebra, 15, Format.PRINT, Condition.NEW),
            offers.OfferLineDraft(dictionary, 8, Format.PRINT, Condition.NEW),
        ],
    )

    async def request(
        key: str, lines: list[requests.RequestLineDraft], note: str
    ) -> list[uuid.UUID]:
        created = await requests.create(
            people[key], requests.RequestDraft(partners[key], lines, note), uow=uow, policy=policy
        )
        return [
            line.id
            for line in (await requests.lines_of([created.id], session=uow.session))[created.id]
        ]

    kisu_lines = await request(
        "kisu",
        [
            requests.RequestLineDraft(25, Priority.URGENT, work_id=algebra),
            requests.RequestLineDraft(
                5,
                subject="physics",
                language="ru",
                level=WorkLevel.UNDERGRADUATE,
                kind=WorkKind.TEXTBOOK,
            ),
        ],
        "For the first-year mathematics and physics courses.",
    )
    await request(
        "national",
        [
            requests.RequestLineDraft(3, Priority.HIGH, work_id=dictionary),
            requests.RequestLineDraft(2, subject="library science", language="en"),
        ],
        "Reference room and the library-science reading room.",
    )
    await allocations.allocate(
        people["coordinator"], foundation_lines[0], kisu_lines[0], 10, uow=uow, policy=policy
    )
