"""The invariant: never over-allocated, whatever the concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from functools import partial

import anyio.to_thread
import pytest
import sqlalchemy as sa
from sqlmodel import select

from exchange import clock
from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit import chain
from exchange.errors import Conflict, InsufficientQuantity, PermissionDenied
from exchange.identity.identity import Grant, Identity, Role
from exchange.offers.models import Offer, OfferLine
from exchange.partners import service as partners
from exchange.requests.models import RequestLine, RequestState, ResourceRequest
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.allocations.market import allocate, coordinator, make_market
from tests.allocations.workers import allocate_many
from tests.conftest import World

PROCESSES = 4


async def totals(runtime: Runtime, offer_line: uuid.UUID) -> tuple[int, int, int]:
    """(allocated counter, sum of active allocations, quantity) of an offer line."""
    async with runtime.db.read() as session:
        line = await session.get(OfferLine, offer_line)
        assert line is not None
        active = (
            await session.exec(
                select(Allocation.quantity).where(
                    Allocation.offer_line_id == offer_line,
                    Allocation.state == AllocationState.ACTIVE.value,
                )
            )
        ).all()
    return line.allocated, sum(active), line.quantity


async def run_in_processes(
    settings: Settings, identity: Identity, pairs: list[tuple[uuid.UUID, uuid.UUID]]
) -> list[int]:
    chunks = [pairs[i::PROCESSES] for i in range(PROCESSES)]
    context = multiprocessing.get_context("spawn")

    def fire() -> list[int]:
        with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
            futures = [
                pool.submit(
                    partial(
                        allocate_many,
                        str(settings.data_dir),
                        settings.database_url,
                        identity,
                        chunk,
                        1,
                        index % 2 == 0,  # half alone: both ways of allocating race
                    )
                )
                for index, chunk in enumerate(chunks)
            ]
            return [got for future in futures for got in future.result()]

    return await anyio.to_thread.run_sync(fire)


async def test_allocation_never_exceeds_offered_quantity_under_64_concurrent_allocators(
    runtime: Runtime, settings: Settings, world: World
) -> None:
    market = await make_market(runtime, world, offered=[40], requested=[1000])
    pairs = [(market.offer_lines[0], market.request_lines[0])] * 64
    results = await run_in_processes(settings, coordinator(world), pairs)
    assert sorted(results) == [0] * 24 + [1] * 40
    assert await totals(runtime, market.offer_lines[0]) == (40, 40, 40)
    async with runtime.db.read() as session:
        assert (await chain.verify(session)).ok


async def test_request_line_never_gets_more_than_it_asked_under_64_concurrent_allocators(
    runtime: Runtime, settings: Settings, world: World
) -> None:
    market = await make_market(runtime, world, offered=[3] * 64, requested=[50])
    pairs = [(line, market.request_lines[0]) for line in market.offer_lines]
    results = await run_in_processes(settings, coordinator(world), pairs)
    assert sum(results) == 50
    async with runtime.db.read() as session:
        line = await session.get(RequestLine, market.request_lines[0])
        request = await session.get(ResourceRequest, market.request_id)
        active = (
            await session.exec(
                select(sa.func.sum(Allocation.quantity)).where(Allocation.state == "active")
            )
        ).one()
    assert line is not None
    assert request is not None
    assert (line.allocated, active, request.state) == (50, 50, RequestState.FILLED.value)


async def test_refused_allocation_names_what_is_left_and_writes_nothing(
    runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[10])
    coord = coordinator(world)
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            coord, market.offer_lines[0], market.request_lines[0], 3, uow=uow, policy=runtime.policy
        )
    before = await totals(runtime, market.offer_lines[0])
    async with runtime.db.read() as session:
        head = await chain.head(session)
    with pytest.raises(InsufficientQuantity) as refused:
        async with runtime.db.unit_of_work() as uow:
            await allocations.allocate(
                coord,
                market.offer_lines[0],
                market.request_lines[0],
                3,
                uow=uow,
                policy=runtime.policy,
                alone=True,  # on PostgreSQL tried at once first: that refusal writes nothing
            )
    assert (refused.value.line, refused.value.available) == ("offer", 2)
    assert await totals(runtime, market.offer_lines[0]) == before == (3, 3, 5)
    async with runtime.db.read() as session:
        assert await chain.head(session) == head


async def test_release_returns_the_quantity(runtime: Runtime, world: World) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[5])
    coord = coordinator(world)
    async with runtime.db.unit_of_work() as uow:
        allocation = await allocations.allocate(
            coord, market.offer_lines[0], market.request_lines[0], 5, uow=uow, policy=runtime.policy
        )
    async with runtime.db.read() as session:
        assert (await session.get(ResourceRequest, market.request_id)).state == "filled"  # type: ignore[union-attr]
    async with runtime.db.unit_of_work() as uow:
        released = await allocations.release(coord, allocation.id, uow=uow, policy=runtime.policy)
    assert released.state == "released"
    assert await totals(runtime, market.offer_lines[0]) == (0, 0, 5)
    async with runtime.db.read() as session:
        assert (await session.get(ResourceRequest, market.request_id)).state == "open"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        async with runtime.db.unit_of_work() as uow:
            await allocations.release(coord, allocation.id, uow=uow, policy=runtime.policy)


async def test_request_state_follows_its_lines_filling_and_emptying(
    runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[2, 1])
    coord, offer_line = coordinator(world), market.offer_lines[0]
    first_line, second_line = market.request_lines

    async def allocate(request_line: uuid.UUID) -> Allocation:
        async with runtime.db.unit_of_work() as uow:
            return await allocations.allocate(
                coord, offer_line, request_line, 1, uow=uow, policy=runtime.policy
            )

    async def release(allocation: Allocation) -> None:
        async with runtime.db.unit_of_work() as uow:
            await allocations.release(coord, allocation.id, uow=uow, policy=runtime.policy)

    async def state() -> str:
        async with runtime.db.read() as session:
            request = await session.get(ResourceRequest, market.request_id)
        assert request is not None
        return request.state

    one = await allocate(first_line)
    assert await state() == "partially_filled"
    await allocate(second_line)  # the second line fills; the first is still short
    assert await state() == "partially_filled"
    two = await allocate(first_line)  # 1 -> 2: the last short line fills, not from empty
    assert await state() == "filled"
    await release(two)  # 2 -> 1: a full line falls short again, not to empty
    assert await state() == "partially_filled"
    await release(one)
    assert await state() == "partially_filled"  # the second line still holds one copy


async def test_expired_offer_cannot_be_allocated_even_before_any_job_marks_it(
    runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[5])
    async with runtime.db.unit_of_work() as uow:
        offer = await uow.session.get(Offer, market.offer_id)
        assert offer is not None
        offer.expires_at = clock.now() - timedelta(seconds=1)
        uow.session.add(offer)
    with pytest.raises(Conflict) as refused:
        await allocate(
            runtime, coordinator(world), market.offer_lines[0], market.request_lines[0], 1
        )
    assert refused.value.message == "the offer is expired"
    assert await totals(runtime, market.offer_lines[0]) == (0, 0, 5)


@pytest.mark.parametrize("suspended", ["donor", "national"])
async def test_suspended_partners_are_never_allocated_to_or_from(
    runtime: Runtime, world: World, suspended: str
) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[5])
    from exchange.identity.identity import SYSTEM

    async with runtime.db.unit_of_work() as uow:
        await partners.suspend(
            SYSTEM, uuid.UUID(getattr(world, suspended)), uow=uow, policy=runtime.policy
        )
    with pytest.raises(PermissionDenied):
        await allocate(
            runtime, coordinator(world), market.offer_lines[0], market.request_lines[0], 1
        )
    assert await totals(runtime, market.offer_lines[0]) == (0, 0, 5)


async def test_librarian_claims_only_for_its_own_partners_requests(
    runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[5])
    national = uuid.UUID(world.national)
    claimer = Identity(
        account_id=uuid.UUID(world.account_ids["librarian"]),
        grants=(Grant(national, Role.LIBRARIAN),),
    )
    claim = await allocate(runtime, claimer, market.offer_lines[0], market.request_lines[0], 2)
    assert claim.quantity == 2
    donor_librarian = Identity(
        account_id=uuid.UUID(world.account_ids["donor_librarian"]),
        grants=(Grant(uuid.UUID(world.donor), Role.LIBRARIAN),),
    )
    with pytest.raises(PermissionDenied):
        await allocate(runtime, donor_librarian, market.offer_lines[0], market.request_lines[0], 1)
    assert await totals(runtime, market.offer_lines[0]) == (2, 2, 5)


async def test_concurrent_allocations_in_one_process_too(runtime: Runtime, world: World) -> None:
    market = await make_market(runtime, world, offered=[10], requested=[100])
    coord = coordinator(world)

    async def one() -> int:
        try:
            await allocate(runtime, coord, market.offer_lines[0], market.request_lines[0], 3)
        except InsufficientQuantity:
            return 0
        return 3

    assert sum(await asyncio.gather(*(one() for _ in range(16)))) == 9
    assert await totals(runtime, market.offer_lines[0]) == (9, 9, 10)


async def test_a_refused_allocation_in_a_savepoint_keeps_the_units_other_records(
    runtime: Runtime, world: World
) -> None:
    """As sync answers proposals: earlier records of the unit of work survive an
    allocation refused (and rolled back) inside a savepoint; the refused one leaves none."""
    market = await make_market(runtime, world, offered=[5], requested=[10])
    coord = coordinator(world)
    async with runtime.db.read() as session:
        head = await chain.head(session)
    assert head is not None
    async with runtime.db.unit_of_work() as uow:
        uow.record(chain.AuditRecord("test", "note.before", "note", "1"))
        for quantity in (6, 2):  # the first is refused, the second made
            with contextlib.suppress(InsufficientQuantity):
                async with uow.session.begin_nested():
                    made = await allocations.allocate(
                        coord,
                        market.offer_lines[0],
                        market.request_lines[0],
                        quantity,
                        uow=uow,
                        policy=runtime.policy,
                    )
        uow.record(chain.AuditRecord("test", "note.after", "note", "2"))
    async with runtime.db.read() as session:
        events = [(e.action, e.entity_id) async for e in chain.stream(session) if e.seq > head.seq]
        assert (await chain.verify(session)).ok
    assert sorted(events) == sorted(
        [("note.before", "1"), ("allocation.create", str(made.id)), ("note.after", "2")]
    )
    assert await totals(runtime, market.offer_lines[0]) == (2, 2, 5)
