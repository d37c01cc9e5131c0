"""Attacks on the allocation made at once (``alone=True``, PostgreSQL): a hostile review of
``ledger.take_at_once`` and ``UnitOfWork.autocommitting``. Each test names what it tried;
the invariants hold whatever the interleaving."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from exchange import clock
from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit import chain, linker
from exchange.db.engine import POOL_SIZE
from exchange.errors import Conflict, PermissionDenied
from exchange.identity.identity import SYSTEM
from exchange.offers import service as offers
from exchange.offers.models import Offer, OfferLine
from exchange.partners import service as partners
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.runtime import Runtime
from exchange.sync import instance, proposals
from exchange.sync.models import SyncVersion
from exchange.sync.ownership import OwnedElsewhere
from tests.allocations.market import Market, allocate, coordinator, librarian, make_market
from tests.conftest import World


async def _seeded(runtime: Runtime, world: World, offered: list[int], requested: int) -> Market:
    """A market whose request line already holds one copy (offer line 0), the instance
    made (so that a claim may be alone), every other offer line free."""
    market = await make_market(runtime, world, offered=offered, requested=[requested])
    async with runtime.db.unit_of_work() as uow:
        await instance.ensure(uow)
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            1,
            uow=uow,
            policy=runtime.policy,
        )
    return market


async def _books(runtime: Runtime, market: Market) -> tuple[list[tuple[int, int]], str]:
    """Each line's (counter, sum of its active allocations), offer lines then the request
    line, and the request's state; the audit chain verified and nothing left pending."""
    async with runtime.db.read() as session:
        active = col(Allocation.state) == AllocationState.ACTIVE.value
        books = []
        for line_id in market.offer_lines:
            line = await session.get(OfferLine, line_id)
            assert line is not None
            total = (
                await session.exec(
                    select(sa.func.coalesce(sa.func.sum(Allocation.quantity), 0)).where(
                        active, col(Allocation.offer_line_id) == line_id
                    )
                )
            ).one()
            books.append((line.allocated, int(total)))
        request_line = await session.get(RequestLine, market.request_lines[0])
        assert request_line is not None
        total = (
            await session.exec(
                select(sa.func.coalesce(sa.func.sum(Allocation.quantity), 0)).where(
                    active, col(Allocation.request_line_id) == request_line.id
                )
            )
        ).one()
        books.append((request_line.allocated, int(total)))
        request = await session.get(ResourceRequest, market.request_id)
        assert request is not None
        assert (await chain.verify(session)).ok
        assert await linker.waiting(session) == 0
    return books, request.state


async def test_more_concurrent_claims_than_pooled_connections_all_succeed(
    runtime: Runtime, world: World
) -> None:
    """Attack: a claim reads through its unit's session (the instance, the offer line)
    before the allocation takes a second, autocommitting connection from the same pool.
    With more claims at once than the pool holds, each holding one connection and waiting
    for another, none may starve (the pool's timeout would fail them all)."""
    claims = POOL_SIZE + 10
    market = await _seeded(runtime, world, offered=[1] + [1] * claims, requested=claims + 10)

    async def claim(offer_line: uuid.UUID) -> uuid.UUID | None:
        async with runtime.db.unit_of_work() as uow:
            made = await proposals.claim(
                librarian(world, "national"),
                offer_line,
                market.request_lines[0],
                1,
                uow=uow,
                policy=runtime.policy,
                alone=True,
            )
        return made.allocation_id

    made = await asyncio.wait_for(
        asyncio.gather(*(claim(line) for line in market.offer_lines[1:])), timeout=60
    )
    assert all(made)
    books, state = await _books(runtime, market)
    assert books == [(1, 1)] * (claims + 1) + [(claims + 1, claims + 1)]
    assert state == "partially_filled"


async def test_concurrent_allocate_release_and_cancel_leave_the_books_straight(
    runtime: Runtime, world: World
) -> None:
    """Attack: allocations at once race with releases (one line empties: the request's
    state changes) and with the request's cancellation. Afterwards every counter equals
    the sum of its line's active allocations, a cancelled request holds no active
    allocation, and the chain verifies with nothing pending."""
    market = await _seeded(runtime, world, offered=[1] + [3] * 20, requested=200)
    identity = coordinator(world)

    async def claim(line: uuid.UUID) -> Allocation | None:
        try:
            return await allocate(runtime, identity, line, market.request_lines[0], alone=True)
        except Conflict:
            return None

    async def release(allocation_id: uuid.UUID) -> None:
        try:
            async with runtime.db.unit_of_work() as uow:
                await allocations.release(identity, allocation_id, uow=uow, policy=runtime.policy)
        except Conflict:
            pass

    first = list(await asyncio.gather(*(claim(line) for line in market.offer_lines[1:])))
    assert all(first)
    async with runtime.db.read() as session:
        seed = (
            await session.exec(
                select(Allocation.id).where(col(Allocation.offer_line_id) == market.offer_lines[0])
            )
        ).one()

    async def cancel() -> None:
        await asyncio.sleep(0.01)
        while True:  # a release ending an allocation it meant to end refuses it: again
            try:
                async with runtime.db.unit_of_work() as uow:
                    await requests.cancel(
                        librarian(world, "national"),
                        market.request_id,
                        uow=uow,
                        policy=runtime.policy,
                    )
                return
            except Conflict as error:
                if "no longer active" not in str(error):
                    raise

    racing = [claim(line) for line in market.offer_lines[1:] for _ in range(2)]
    racing += [release(a.id) for a in first if a is not None]
    racing += [release(seed), cancel()]
    await asyncio.gather(*racing)
    books, state = await _books(runtime, market)
    assert state == "cancelled"
    assert books == [(0, 0)] * len(market.offer_lines) + [(0, 0)]


async def _hidden_write_then_allocate(
    runtime: Runtime, world: World, market: Market, write: sa.Update, fail: bool
) -> None:
    """A unit that wrote through ``session.exec`` (which its session cannot show), then
    allocates ``alone`` (misused), then fails when ``fail``."""
    async with runtime.db.unit_of_work() as uow:
        await uow.session.exec(write)
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[1],
            market.request_lines[0],
            1,
            uow=uow,
            policy=runtime.policy,
            alone=True,
        )
        if fail:
            raise RuntimeError("the unit fails after the allocation")


async def test_alone_after_a_hidden_write_on_the_lines_never_waits_on_its_own_unit(
    runtime: Runtime, world: World
) -> None:
    """Attack: the unit already locked the offer line (an UPDATE through ``session.exec``);
    a second connection waiting for that lock would wait forever (PostgreSQL cannot see
    a deadlock that passes through the client). The allocation is made in the unit."""
    market = await _seeded(runtime, world, offered=[1, 3], requested=10)
    touch = (
        sa.update(OfferLine)
        .where(col(OfferLine.id) == market.offer_lines[1])
        .values(allocated=OfferLine.allocated)
    )
    await asyncio.wait_for(
        _hidden_write_then_allocate(runtime, world, market, touch, fail=False), timeout=20
    )
    books, state = await _books(runtime, market)
    assert books == [(1, 1), (1, 1), (2, 2)]
    assert state == "partially_filled"


async def test_alone_after_a_hidden_write_rolls_back_with_its_unit(
    runtime: Runtime, world: World
) -> None:
    """Attack: the unit wrote elsewhere (a request's note, through ``session.exec``), then
    allocated ``alone``, then failed: the allocation must not stay committed apart."""
    market = await _seeded(runtime, world, offered=[1, 3], requested=10)
    touch = (
        sa.update(ResourceRequest)
        .where(col(ResourceRequest.id) == market.request_id)
        .values(updated_at=ResourceRequest.updated_at)
    )
    with pytest.raises(RuntimeError, match="after the allocation"):
        await _hidden_write_then_allocate(runtime, world, market, touch, fail=True)
    books, state = await _books(runtime, market)
    assert books == [(1, 1), (0, 0), (1, 1)]
    assert state == "partially_filled"


async def _second_line(runtime: Runtime, world: World, market: Market, *, alone: bool) -> None:
    """One copy of the market's second offer line to its request line."""
    await allocate(
        runtime, coordinator(world), market.offer_lines[1], market.request_lines[0], alone=alone
    )


async def _cancel(runtime: Runtime, world: World, market: Market) -> None:
    async with runtime.db.unit_of_work() as uow:
        await requests.cancel(
            librarian(world, "national"), market.request_id, uow=uow, policy=runtime.policy
        )


async def _waiting_on_locks(runtime: Runtime, count: int) -> None:
    """Until ``count`` sessions wait on a lock (PostgreSQL's own view of it)."""
    waiting = sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    for _ in range(200):
        async with runtime.db.writer.connect() as connection:
            if (await connection.execute(waiting)).scalar_one() >= count:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} sessions ever waited on a lock")


@pytest.mark.parametrize("alone", [False, True], ids=["transaction", "at once"])
async def test_a_cancel_waits_for_an_allocation_then_ends_it(
    runtime: Runtime, world: World, alone: bool
) -> None:
    """Attack: cancel while an allocation waits at its offer line. A transaction's read of
    the sides, or the statement made at once, holds the request FOR KEY SHARE before it
    takes a line, so the cancel (FOR UPDATE) waits for the allocation to commit, then ends
    it with the others: a cancelled request holds no active allocation. (Before, the
    transaction's read took no lock on the request: the cancel committed first and the
    allocation stayed active on the cancelled request.)"""
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing overtakes an allocation")
    market = await _seeded(runtime, world, offered=[1, 3], requested=10)

    async with runtime.db.writer.connect() as blocker:
        await blocker.begin()
        await blocker.execute(
            sa.select(col(OfferLine.id))
            .where(col(OfferLine.id) == market.offer_lines[1])
            .with_for_update()
        )
        allocating = asyncio.create_task(_second_line(runtime, world, market, alone=alone))
        await _waiting_on_locks(runtime, 1)  # the allocation, past its read, at the line
        cancelling = asyncio.create_task(_cancel(runtime, world, market))
        await _waiting_on_locks(runtime, 2)  # and the cancel, at the request
        assert not cancelling.done()
        await blocker.rollback()
    await asyncio.wait_for(allocating, timeout=20)
    await asyncio.wait_for(cancelling, timeout=20)
    books, state = await _books(runtime, market)
    assert state == "cancelled"
    assert books == [(0, 0), (0, 0), (0, 0)]


async def test_an_allocation_at_once_racing_a_cancel_that_holds_a_line_keeps_the_books(
    runtime: Runtime, world: World
) -> None:
    """Attack: a cancel ends its allocations one by one (offer line, then request line,
    each), so with two allocations on one request line it holds lines in an order opposite
    to an allocation's. The statement made at once locks the request before either line,
    so it waits behind the cancel's lock on the request instead of holding a line the
    cancel needs: no deadlock forms. (Before, one did, and PostgreSQL aborted the
    statement; ``take_at_once`` still counts such an abort, SQLSTATE 40P01, as having
    written nothing.) Either way the allocation refuses or is ended by the cancel, and
    the books stay straight, never a database error."""
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no deadlock")
    market = await _seeded(runtime, world, offered=[1, 3], requested=10)
    # a second allocation, on offer line 1
    await allocate(runtime, coordinator(world), market.offer_lines[1], market.request_lines[0])

    waiting = sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")

    async def waiters(count: int) -> None:
        for _ in range(200):
            async with runtime.db.writer.connect() as connection:
                if (await connection.execute(waiting)).scalar_one() >= count:
                    return
            await asyncio.sleep(0.02)
        raise AssertionError(f"never {count} waiting on locks")

    async with runtime.db.writer.connect() as blocker:  # holds the request line
        await blocker.begin()
        await blocker.execute(
            sa.select(col(RequestLine.id))
            .where(col(RequestLine.id) == market.request_lines[0])
            .with_for_update()
        )
        cancelling = asyncio.create_task(
            _cancel(runtime, world, market)
        )  # offer line 0, then waits: request line
        await waiters(1)
        allocating = asyncio.create_task(
            _second_line(runtime, world, market, alone=True)
        )  # offer line 1, then waits: request line
        await waiters(2)
        await blocker.rollback()  # the cancel goes on to offer line 1, held by the allocation
    await asyncio.wait_for(cancelling, timeout=20)
    with contextlib.suppress(Conflict):  # or made first, and ended by the cancel
        await asyncio.wait_for(allocating, timeout=20)
    books, state = await _books(runtime, market)
    assert state == "cancelled"
    assert books[0] == (0, 0)
    assert all(counter == active for counter, active in books)


async def test_request_state_follows_its_line_under_racing_allocations_and_releases(
    runtime: Runtime, world: World
) -> None:
    """Attack: allocations at once race with releases that empty and refill the line, and
    with transactions that fill it, crossing every boundary of the request's state many
    times. Afterwards the state is the one its line's counter gives."""
    market = await _seeded(runtime, world, offered=[1] + [1] * 24, requested=8)
    identity = coordinator(world)

    async def claim(line: uuid.UUID, alone: bool) -> Allocation | None:
        try:
            return await allocate(runtime, identity, line, market.request_lines[0], alone=alone)
        except Conflict:
            return None

    async def release(allocation: Allocation | None) -> None:
        if allocation is None:
            return
        async with runtime.db.unit_of_work() as uow:
            await allocations.release(identity, allocation.id, uow=uow, policy=runtime.policy)

    async def active() -> list[Allocation]:
        async with runtime.db.read() as session:
            return list(
                (
                    await session.exec(
                        select(Allocation).where(
                            col(Allocation.state) == AllocationState.ACTIVE.value,
                            col(Allocation.offer_line_id) != market.offer_lines[0],
                        )
                    )
                ).all()
            )

    async def consistent() -> None:
        books, state = await _books(runtime, market)
        assert all(counter == total for counter, total in books)
        counter = books[-1][0]
        assert state == ("filled" if counter == 8 else "partially_filled")

    lines = market.offer_lines[1:]
    for round_ in range(4):
        made = await asyncio.gather(*(claim(line, i % 3 != 0) for i, line in enumerate(lines)))
        await consistent()
        taken = [a for a in made if a is not None][round_ % 2 :: 2]
        held = {a.offer_line_id for a in await active()}
        await asyncio.gather(
            *(release(a) for a in taken),
            *(claim(line, True) for line in lines if line not in held),
        )
        await consistent()
        await asyncio.gather(*(release(a) for a in await active()))
        books, state = await _books(runtime, market)
        assert books[-1] == (1, 1)
        assert state == "partially_filled"


async def test_an_allocation_at_once_from_a_replica_offer_is_refused_and_writes_nothing(
    runtime: Runtime, world: World
) -> None:
    """Attack: the read-only rule of replicas is judged from the owner read with the sides
    (unlocked, at once): an allocation from an offer held here as another instance's
    replica is refused (``OwnedElsewhere``) before anything is written."""
    market = await _seeded(runtime, world, offered=[1, 3], requested=10)
    elsewhere = uuid.uuid4()
    async with runtime.db.unit_of_work() as uow:
        uow.session.add(
            SyncVersion(
                entity_type="offer", entity_id=str(market.offer_id), origin_id=elsewhere, seq=1
            )
        )
    with pytest.raises(OwnedElsewhere) as refused:
        await allocate(
            runtime,
            coordinator(world),
            market.offer_lines[1],
            market.request_lines[0],
            1,
            alone=True,
        )
    assert refused.value.owner == elsewhere
    books, state = await _books(runtime, market)
    assert books == [(1, 1), (0, 0), (1, 1)]
    assert state == "partially_filled"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("donor suspended", PermissionDenied),
        ("requester suspended", PermissionDenied),
        ("offer withdrawn", Conflict),
        ("offer closed", Conflict),
        ("offer expired", Conflict),
    ],
)
async def test_an_allocation_at_once_judges_the_sides_as_the_transaction_does(
    runtime: Runtime, world: World, change: str, refusal: type[Exception]
) -> None:
    """Attack: every state ``_judged`` refuses, reached through ``allocate(alone=True)``
    on a line that would be allocated at once: the same typed refusal, nothing written."""
    market = await _seeded(runtime, world, offered=[1, 3], requested=10)
    async with runtime.db.unit_of_work() as uow:
        if change.endswith("suspended"):
            partner = world.donor if change.startswith("donor") else world.national
            await partners.suspend(SYSTEM, uuid.UUID(partner), uow=uow, policy=runtime.policy)
        elif change == "offer expired":
            await uow.session.exec(
                sa.update(Offer)
                .where(col(Offer.id) == market.offer_id)
                .values(expires_at=clock.now() - timedelta(seconds=1))
            )
        else:
            verb = "withdraw" if change == "offer withdrawn" else "close"
            await offers.transition(
                librarian(world, "donor"), market.offer_id, verb, uow=uow, policy=runtime.policy
            )
    with pytest.raises(refusal):
        await allocate(
            runtime,
            coordinator(world),
            market.offer_lines[1],
            market.request_lines[0],
            1,
            alone=True,
        )
    books, state = await _books(runtime, market)
    assert books == [(1, 1), (0, 0), (1, 1)]
    assert state == "partially_filled"
