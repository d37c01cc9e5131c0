"""The offers a listing answers, by reader, filter and cursor (``offers.listed``: one
statement per shape of the listing, its values bound; ``exchange.offers.records``)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from exchange import clock
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format, OfferState
from exchange.offers.records import OFFER
from exchange.pagination import PageRequest
from exchange.runtime import Runtime
from tests.conftest import World


async def _scene(runtime: Runtime, world: World) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Four offers of the donor, oldest first: open (work 0), a draft (work 1), closed
    (work 0), open past its expiry (work 1); and the two works."""
    donor = uuid.UUID(world.donor)
    who = Identity(
        uuid.UUID(world.account_ids["donor_librarian"]), None, (Grant(donor, Role.LIBRARIAN),)
    )
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        works = [
            await catalogue.create(
                SYSTEM,
                WorkDraft(WorkKind.TEXTBOOK, [("en", f"Book {i}")], "en", donor),
                uow=uow,
                policy=policy,
            )
            for i in range(2)
        ]
        made = []
        for i, verbs in enumerate([["publish"], [], ["publish", "close"], ["publish"]]):
            line = offers.OfferLineDraft(works[i % 2].id, 1, Format.PRINT, Condition.GOOD)
            draft = offers.OfferDraft(donor, [line], clock.now() + timedelta(days=9))
            offer = await offers.create(who, draft, uow=uow, policy=policy)
            for verb in verbs:
                await offers.transition(who, offer.id, verb, uow=uow, policy=policy)
            made.append(offer.id)
        connection = await uow.session.connection()
        past = clock.now() - timedelta(days=1)
        await connection.execute(
            sa.update(OFFER).where(OFFER.c.id == made[3]).values(expires_at=past)
        )
    return made, [w.id for w in works]


async def test_each_reader_filter_and_cursor_lists_exactly_its_offers(
    runtime: Runtime, world: World
) -> None:
    (open_, draft, closed, expired), (work0, work1) = await _scene(runtime, world)
    donor, national = uuid.UUID(world.donor), uuid.UUID(world.national)
    librarian = Identity(uuid.uuid4(), None, (Grant(donor, Role.LIBRARIAN),))
    other = Identity(uuid.uuid4(), None, (Grant(national, Role.LIBRARIAN),))
    researcher = Identity(uuid.uuid4(), None, (Grant(national, Role.RESEARCHER),))
    admin = Identity(uuid.uuid4(), None, (Grant(national, Role.ADMIN),))

    async def ids(
        who: Identity, first: int = 20, after: uuid.UUID | None = None, **filters: Any
    ) -> tuple[list[uuid.UUID], bool]:
        page = PageRequest(first, after)
        async with runtime.db.read() as session:
            found, donors = await offers.listed(
                who, offers.OfferFilter(**filters), page, session=session, policy=runtime.policy
            )
        assert set(donors) == ({donor} if found.items else set())
        return [o.id for o in found.items], found.has_next

    everything = [open_, draft, closed, expired]
    published = [open_, closed, expired]
    assert await ids(librarian) == (everything, False)  # its own drafts too
    assert await ids(admin) == (everything, False)
    assert await ids(other) == (published, False)
    assert await ids(researcher) == (published, False)
    assert await ids(librarian, state=OfferState.OPEN) == ([open_], False)
    assert await ids(other, state=OfferState.EXPIRED) == ([expired], False)
    assert await ids(librarian, state=OfferState.DRAFT) == ([draft], False)
    assert await ids(other, state=OfferState.DRAFT) == ([], False)
    assert await ids(other, state=OfferState.CLOSED) == ([closed], False)
    assert await ids(librarian, work_id=work0) == ([open_, closed], False)
    assert await ids(other, work_id=work1) == ([expired], False)
    assert await ids(other, partner_id=donor) == (published, False)
    assert await ids(admin, partner_id=national) == ([], False)
    assert await ids(librarian, first=2) == ([open_, draft], True)
    assert await ids(librarian, first=2, after=draft) == ([closed, expired], False)
    assert await ids(other, first=1, after=open_, work_id=work0) == ([closed], False)
