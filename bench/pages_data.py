"""The data behind ``bench/pages.py``, made through the domain services as people would:
partners, a librarian and a coordinator with passwords, ``works`` works (Korean titles with
their romanization, and English ones) catalogued in batches (``catalogue.create_many``),
``offers`` published offers of 3 lines each, and open requests (named works and described
needs) with a few allocations, so the matching board has suggestions and allocations."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select

from exchange import clock
from exchange.allocations import service as allocations
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.catalogue.validation import WorkDraft
from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format, OfferLine
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.requests import service as requests
from exchange.requests.models import Priority
from exchange.runtime import Runtime

PASSWORD = "a long enough benchmark password"
LIBRARIAN = "librarian@bench.example"
COORDINATOR = "coordinator@bench.example"
KOREAN = [
    ("학습", "haksŭp"),
    ("교과서", "kyogwasŏ"),
    ("수학", "suhak"),
    ("물리학", "mullihak"),
    ("화학", "hwahak"),
    ("대학", "taehak"),
    ("과학", "kwahak"),
    ("기술", "kisul"),
    ("문학", "munhak"),
    ("경제", "kyŏngje"),
    ("농업", "nongŏp"),
    ("의학", "ŭihak"),
    ("기초", "kich'o"),
    ("원리", "wŏlli"),
    ("연구", "yŏn'gu"),
]
ENGLISH = [
    "introduction",
    "advanced",
    "linear",
    "algebra",
    "physics",
    "chemistry",
    "history",
    "modern",
    "science",
    "methods",
    "principles",
    "engineering",
    "mathematics",
    "economics",
    "agriculture",
    "medicine",
    "library",
    "studies",
]
SUBJECTS = ["physics", "chemistry", "mathematics", "medicine", "agriculture", "economics"]
WORK_BATCH = 1_000
OFFER_BATCH = 100


@dataclass(frozen=True, slots=True)
class Built:
    partner_ids: list[uuid.UUID]
    work_ids: list[uuid.UUID]


def _draft(rng: random.Random, partner_id: uuid.UUID) -> WorkDraft:
    size = rng.randint(2, 4)
    if rng.random() < 0.5:
        words = rng.sample(KOREAN, size)
        titles = [
            ("ko-Hang", " ".join(w for w, _ in words)),
            ("ko-Latn", " ".join(r for _, r in words).capitalize()),
        ]
        language = "kor"
    else:
        titles = [("en", " ".join(rng.sample(ENGLISH, size + 1)).capitalize())]
        language = "eng"
    return WorkDraft(
        WorkKind.TEXTBOOK,
        titles,
        language,
        partner_id=partner_id,
        year=rng.randint(1960, 2025),
        subjects=[rng.choice(SUBJECTS)],
        level=rng.choice(list(WorkLevel)),
    )


async def _people(runtime: Runtime, donor: uuid.UUID) -> None:
    async with runtime.db.unit_of_work() as uow:
        for email, role in ((LIBRARIAN, Role.LIBRARIAN), (COORDINATOR, Role.COORDINATOR)):
            account = await identity_service.create_account(
                SYSTEM,
                identity_service.AccountDraft(email, email.split("@")[0].title(), PASSWORD),
                uow=uow,
                policy=runtime.policy,
            )
            await identity_service.add_membership(
                SYSTEM, account.id, donor, role, uow=uow, policy=runtime.policy
            )


async def build(runtime: Runtime, works: int, offer_count: int, seed: int = 17) -> Built:
    """Everything above; returns the partners (the first is the librarian's donor, the
    last the requesting library) and the works."""
    rng = random.Random(seed)
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        made = [
            await partners.create(
                SYSTEM,
                partners.PartnerDraft(
                    [("en", f"Bench library {n}")], "DE", PartnerKind.UNIVERSITY_LIBRARY, []
                ),
                uow=uow,
                policy=policy,
            )
            for n in range(5)
        ]
    partner_ids = [p.id for p in made]
    await _people(runtime, partner_ids[0])
    work_ids: list[uuid.UUID] = []
    for start in range(0, works, WORK_BATCH):
        drafts = [
            _draft(rng, partner_ids[n % 4]) for n in range(start, min(works, start + WORK_BATCH))
        ]
        async with runtime.db.unit_of_work() as uow:
            created = await catalogue.create_many(SYSTEM, drafts, uow=uow, policy=policy)
        work_ids += [c for c in created if isinstance(c, uuid.UUID)]
    expires = clock.now() + timedelta(days=90)
    for start in range(0, offer_count, OFFER_BATCH):
        async with runtime.db.unit_of_work() as uow:
            for n in range(start, min(offer_count, start + OFFER_BATCH)):
                donor_id = partner_ids[n % 4]
                donor = Identity(uuid.uuid4(), grants=(Grant(donor_id, Role.LIBRARIAN),))
                lines = [
                    offers.OfferLineDraft(work_id, rng.randint(1, 5), Format.PRINT, Condition.GOOD)
                    for work_id in rng.sample(work_ids, 3)
                ]
                offer = await offers.create(
                    donor, offers.OfferDraft(donor_id, lines, expires), uow=uow, policy=policy
                )
                await offers.transition(donor, offer.id, "publish", uow=uow, policy=policy)
    await _requests(runtime, partner_ids[4], rng)
    return Built(partner_ids, work_ids)


async def _requests(runtime: Runtime, taker_id: uuid.UUID, rng: random.Random) -> None:
    """30 open requests of 4 lines (2 named works that are offered, 2 described needs);
    1 copy of each request's first line allocated."""
    policy = runtime.policy
    taker = Identity(uuid.uuid4(), grants=(Grant(taker_id, Role.LIBRARIAN),))
    async with runtime.db.read() as session:
        statement = select(OfferLine).order_by(col(OfferLine.id)).limit(200)
        lines = rng.sample(list((await session.exec(statement)).all()), 60)
    async with runtime.db.unit_of_work() as uow:
        for n in range(30):
            named = lines[2 * n : 2 * n + 2]
            wanted = [
                requests.RequestLineDraft(2, Priority.NORMAL, work_id=line.work_id)
                for line in named
            ] + [
                requests.RequestLineDraft(
                    1, Priority.HIGH, subject=rng.choice(SUBJECTS), language="kor"
                ),
                requests.RequestLineDraft(1, Priority.LOW, subject=rng.choice(SUBJECTS)),
            ]
            posted = await requests.create(
                taker, requests.RequestDraft(taker_id, wanted), uow=uow, policy=policy
            )
            first = (await requests.lines_of([posted.id], session=uow.session))[posted.id][0]
            await allocations.allocate(taker, named[0].id, first.id, 1, uow=uow, policy=policy)
