"""A random market for suggestions: donors, works, offers and their lines, and a requester.

Partners, works and requests go through the services; offers and their lines are
bulk-inserted (as many as a bench needs in seconds), each offer within the service's
``MAX_LINES``, with states, expiries and allocated counts drawn at random so that every
rule of ``matching.suggestions`` has lines to exclude. Used by the ranking test (small)
and by ``bench/suggestions.py`` (51,000 lines).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.catalogue.validation import WorkDraft
from exchange.db.table import table
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.ids import uuid7
from exchange.offers.models import Offer, OfferLine
from exchange.offers.service import MAX_LINES
from exchange.partners import service as partners
from exchange.partners.models import Partner, PartnerKind, PartnerStatus
from exchange.requests import service as requests
from exchange.runtime import Runtime

SUBJECTS = ["physics", "Chemistry", "biology", "mathematics", "history", "medicine", "law"]
LANGUAGES = ["en", "ko", "de", "fr", "ru", "zh"]
KINDS = [WorkKind.TEXTBOOK, WorkKind.JOURNAL, WorkKind.SEMINAR_MATERIAL, WorkKind.OTHER]
STATES = ["open"] * 8 + ["draft", "withdrawn"]


@dataclass
class Market:
    requester: Identity  # a librarian of the requesting partner
    requester_partner: uuid.UUID
    donors: list[uuid.UUID]
    works: list[uuid.UUID]
    request_lines: dict[str, uuid.UUID] = field(default_factory=dict)  # by need's name


async def build(runtime: Runtime, *, works: int, lines: int, seed: int) -> Market:
    """``lines`` offer lines over ``works`` works from 6 donors (one suspended, one the
    requester itself), and one request line per kind of need (see ``needs``)."""
    pick = random.Random(seed)  # noqa: S311 (test data, reproducible)
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        made = []
        for index in range(7):
            partner = await partners.create(
                SYSTEM,
                partners.PartnerDraft(
                    [("en", f"Partner {index}")], "DE", PartnerKind.UNIVERSITY_LIBRARY, []
                ),
                uow=uow,
                policy=policy,
            )
            made.append(partner.id)
        work_ids = []
        for index in range(works):
            subjects = pick.sample(SUBJECTS, pick.randint(1, 2))
            level = pick.choice([None, *WorkLevel])
            work = await catalogue.create(
                SYSTEM,
                WorkDraft(
                    pick.choice(KINDS),
                    [("en", f"Work {index}")],
                    pick.choice(LANGUAGES),
                    made[0],
                    subjects=subjects,
                    level=level,
                ),
                uow=uow,
                policy=policy,
            )
            work_ids.append(work.id)
    requester_partner, suspended = made[0], made[1]
    async with runtime.db.unit_of_work() as uow:
        await uow.session.exec(
            sa.update(table(Partner))
            .where(table(Partner).c.id == suspended)
            .values(status=PartnerStatus.SUSPENDED.value)
        )
        await _offers(uow.session, pick, made, work_ids, lines)
    requester = Identity(uuid7(), None, (Grant(requester_partner, Role.LIBRARIAN),))
    market = Market(requester, requester_partner, made[1:], work_ids)
    async with runtime.db.unit_of_work() as uow:
        drafts = needs(pick, work_ids)
        request = await requests.create(
            requester,
            requests.RequestDraft(requester_partner, list(drafts.values())),
            uow=uow,
            policy=policy,
        )
        made_lines = (await requests.lines_of([request.id], session=uow.session))[request.id]
        market.request_lines = dict(zip(drafts, [line.id for line in made_lines], strict=True))
    return market


def needs(pick: random.Random, works: list[uuid.UUID]) -> dict[str, requests.RequestLineDraft]:
    """One request line per kind of need: a work, and described needs of 1 to 4 criteria."""
    draft = requests.RequestLineDraft
    return {
        "work": draft(5, work_id=pick.choice(works)),
        "subject": draft(5, subject="physics"),
        "language": draft(5, language="en"),
        "subject+language": draft(5, subject="history", language="ko"),
        "subject+language+level": draft(
            5, subject="biology", language="en", level=WorkLevel.UNDERGRADUATE
        ),
        "all four": draft(
            5, subject="law", language="fr", level=WorkLevel.GRADUATE, kind=WorkKind.TEXTBOOK
        ),
    }


async def _offers(
    session: AsyncSession,
    pick: random.Random,
    donors: list[uuid.UUID],
    works: list[uuid.UUID],
    lines: int,
) -> None:
    now = clock.now()
    offers: list[dict[str, object]] = []
    offer_lines: list[dict[str, object]] = []
    while len(offer_lines) < lines:
        offer_id = uuid7()
        # some expired, the rest over 90 days; several offers share an expiry
        expires = now + timedelta(days=pick.choice([-3, *range(1, 91)]), hours=pick.choice([0, 12]))
        offers.append(
            {
                "id": offer_id,
                "partner_id": pick.choice(donors),
                "state": pick.choice(STATES),
                "expires_at": expires,
                "terms": "",
                "licence": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        for _ in range(min(pick.randint(1, MAX_LINES), lines - len(offer_lines))):
            quantity = pick.randint(1, 5)
            offer_lines.append(
                {
                    "id": uuid7(),
                    "offer_id": offer_id,
                    "work_id": pick.choice(works),
                    "quantity": quantity,
                    "allocated": pick.choice([0, 0, 0, quantity, pick.randint(0, quantity)]),
                    "format": "print",
                    "condition": "good",
                }
            )
    for rows, model in ((offers, Offer), (offer_lines, OfferLine)):
        for start in range(0, len(rows), 2000):
            await session.exec(sa.insert(table(model)), params=rows[start : start + 2000])
