"""Random sequences of allocate / release / cancel keep every counter exact."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation, AllocationState
from exchange.errors import Conflict
from exchange.offers.models import OfferLine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, RequestState, ResourceRequest
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.allocations.market import Market, coordinator, librarian, make_market
from tests.conftest import World

OFFERED = [4, 2, 3]
REQUESTED = [2, 1]  # small, so lines often fill and empty again

step = st.one_of(
    st.tuples(st.just("allocate"), st.integers(0, 2), st.integers(0, 1), st.integers(1, 4)),
    st.tuples(st.just("release"), st.integers(0, 30), st.just(0), st.just(0)),
    st.tuples(st.just("cancel"), st.just(0), st.just(0), st.just(0)),
)


async def check(runtime: Runtime, market: Market, cancelled: bool) -> None:
    """Every counter equals the sum of its active allocations, and the request's state is
    the one its lines' counters imply (it is only recomputed when a line crosses empty or
    full, so a missed crossing shows here)."""
    offer_lines, request_lines = market.offer_lines, market.request_lines
    async with runtime.db.read() as session:
        active = (
            await session.exec(
                select(Allocation).where(Allocation.state == AllocationState.ACTIVE.value)
            )
        ).all()
        counters: list[tuple[uuid.UUID, int, int, str]] = []
        offers = await session.exec(select(OfferLine).where(col(OfferLine.id).in_(offer_lines)))
        counters += [(x.id, x.allocated, x.quantity, "offer_line_id") for x in offers.all()]
        wanted = await session.exec(
            select(RequestLine).where(col(RequestLine.id).in_(request_lines))
        )
        counters += [(x.id, x.allocated, x.quantity, "request_line_id") for x in wanted.all()]
        request = await session.get(ResourceRequest, market.request_id)
    assert len(counters) == len(offer_lines) + len(request_lines)
    for line_id, allocated, quantity, key in counters:
        assert allocated == sum(a.quantity for a in active if getattr(a, key) == line_id)
        assert 0 <= allocated <= quantity
    wanted_counts = [
        (allocated, quantity) for _, allocated, quantity, _ in counters[len(offer_lines) :]
    ]
    if cancelled:
        expected = RequestState.CANCELLED
    elif all(allocated == quantity for allocated, quantity in wanted_counts):
        expected = RequestState.FILLED
    elif any(allocated > 0 for allocated, _ in wanted_counts):
        expected = RequestState.PARTIALLY_FILLED
    else:
        expected = RequestState.OPEN
    assert request is not None
    assert request.state == expected.value


async def play(settings_: Settings, world: World, steps: list[tuple[str, int, int, int]]) -> None:
    runtime = Runtime.start(settings_)
    try:
        market = await make_market(runtime, world, offered=OFFERED, requested=REQUESTED, works=1)
        made: list[uuid.UUID] = []
        model_offer = [0] * len(OFFERED)
        model_request = [0] * len(REQUESTED)
        sizes: dict[uuid.UUID, tuple[int, int, int]] = {}
        cancelled = False
        for verb, a, b, quantity in steps:
            try:
                async with runtime.db.unit_of_work() as uow:
                    if verb == "allocate":
                        row = await allocations.allocate(
                            coordinator(world),
                            market.offer_lines[a],
                            market.request_lines[b],
                            quantity,
                            uow=uow,
                            policy=runtime.policy,
                        )
                        made.append(row.id)
                        sizes[row.id] = (a, b, quantity)
                    elif verb == "release" and made:
                        target = made[a % len(made)]
                        await allocations.release(
                            coordinator(world), target, uow=uow, policy=runtime.policy
                        )
                    elif verb == "cancel":
                        await requests.cancel(
                            librarian(world, "national"),
                            market.request_id,
                            uow=uow,
                            policy=runtime.policy,
                        )
            except Conflict:
                pass
            else:
                if verb == "allocate":
                    assert not cancelled
                    model_offer[a] += quantity
                    model_request[b] += quantity
                elif verb == "release" and made:
                    o, r, q = sizes.pop(made[a % len(made)])
                    model_offer[o] -= q
                    model_request[r] -= q
                elif verb == "cancel":
                    cancelled = True
                    model_offer = [0] * len(OFFERED)
                    model_request = [0] * len(REQUESTED)
                    sizes.clear()
            assert all(0 <= m <= q for m, q in zip(model_offer, OFFERED, strict=True))
            await check(runtime, market, cancelled)
        async with runtime.db.read() as session:
            got = [(await session.get(OfferLine, i)).allocated for i in market.offer_lines]  # type: ignore[union-attr]
        assert got == model_offer
    finally:
        await runtime.close()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_random_allocate_release_cancel_sequences_keep_counters_exact(
    database_url: str, tmp_path: Path, world: World, steps: list[tuple[str, int, int, int]]
) -> None:
    asyncio.run(play(Settings(data_dir=tmp_path / "data", database_url=database_url), world, steps))
