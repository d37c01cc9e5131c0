"""An allocation made by one statement that is its own transaction (PostgreSQL,
``ledger.take_at_once``): it re-checks what its caller judged from an unlocked read, and
writes everything or nothing — above all, never the offer line's move without the
request line's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from exchange import clock
from exchange.allocations import ledger
from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit import chain, linker
from exchange.audit.chain import AuditRecord
from exchange.audit.models import AuditPending
from exchange.ids import uuid7
from exchange.offers.models import Offer, OfferLine
from exchange.requests.models import RequestLine, RequestState, ResourceRequest
from exchange.runtime import Runtime
from tests.allocations.market import Market, allocate, coordinator, make_market
from tests.conftest import World


@pytest.fixture
def postgresql(runtime: Runtime) -> None:
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: every allocation is a transaction")


async def _opened(runtime: Runtime, world: World, offered: int, requested: int) -> Market:
    """A market whose request line already holds one copy (from a second offer line), so
    that the next allocation cannot change the request's state."""
    market = await make_market(runtime, world, offered=[offered, 1], requested=[requested])
    await allocate(
        runtime, coordinator(world), market.offer_lines[1], market.request_lines[0], 1, alone=True
    )
    return market


async def _take(runtime: Runtime, market: Market, quantity: int) -> bool:
    values: dict[str, Any] = {
        "id": uuid7(),
        "offer_line_id": market.offer_lines[0],
        "request_line_id": market.request_lines[0],
        "quantity": quantity,
        "state": AllocationState.ACTIVE.value,
        "created_by": "test",
        "created_at": clock.now(),
        "ended_at": None,
    }
    record = AuditRecord(
        "test", "allocation.create", "allocation", str(values["id"]), None, {"quantity": quantity}
    )
    async with runtime.db.writer.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        taken = await ledger.take_at_once(
            connection,
            values,
            chain.recorded(record, clock.now()),
            market.offer_id,
            market.request_id,
        )
    async with runtime.db.writer.begin() as connection:
        await linker.link(connection)
    return taken


async def _state(runtime: Runtime, market: Market) -> tuple[int, int, int, int]:
    """(offer line allocated, request line allocated, allocation rows, pending records)."""
    async with runtime.db.read() as session:
        offer = await session.get(OfferLine, market.offer_lines[0])
        request = await session.get(RequestLine, market.request_lines[0])
        rows = (await session.exec(select(sa.func.count()).select_from(Allocation))).one()
        pending = (await session.exec(select(sa.func.count()).select_from(AuditPending))).one()
    assert offer is not None
    assert request is not None
    return offer.allocated, request.allocated, rows, pending


async def _events(runtime: Runtime) -> int:
    async with runtime.db.read() as session:
        head = await chain.head(session)
    assert head is not None
    return head.seq


@pytest.mark.usefixtures("postgresql")
async def test_made_at_once_moves_both_lines_and_audits_it(runtime: Runtime, world: World) -> None:
    market = await _opened(runtime, world, offered=5, requested=10)
    events = await _events(runtime)
    assert await _take(runtime, market, 2)
    assert await _state(runtime, market) == (2, 3, 2, 0)
    assert await _events(runtime) == events + 1


@pytest.mark.usefixtures("postgresql")
@pytest.mark.parametrize(
    ("change", "offered", "requested", "quantity"),
    [
        ("request line would fill", 5, 3, 2),  # the offer line could move; the request's can't
        ("request line too short", 5, 2, 2),
        ("offer line too short", 1, 10, 2),
        ("offer withdrawn since read", 5, 10, 1),
        ("offer expired since read", 5, 10, 1),
        ("request cancelled since read", 5, 10, 1),
    ],
)
async def test_a_refusal_at_once_writes_nothing(
    runtime: Runtime, world: World, change: str, offered: int, requested: int, quantity: int
) -> None:
    market = await _opened(runtime, world, offered, requested)
    async with runtime.db.writer.begin() as connection:  # a concurrent change, committed
        if change == "offer withdrawn since read":
            await connection.execute(
                sa.update(Offer).where(col(Offer.id) == market.offer_id).values(state="withdrawn")
            )
        elif change == "offer expired since read":
            await connection.execute(
                sa.update(Offer)
                .where(col(Offer.id) == market.offer_id)
                .values(expires_at=clock.now() - timedelta(seconds=1))
            )
        elif change == "request cancelled since read":
            await connection.execute(
                sa.update(ResourceRequest)
                .where(col(ResourceRequest.id) == market.request_id)
                .values(state=RequestState.CANCELLED.value)
            )
    before, events = await _state(runtime, market), await _events(runtime)
    assert before == (0, 1, 1, 0)
    assert not await _take(runtime, market, quantity)
    assert await _state(runtime, market) == before
    assert await _events(runtime) == events


async def test_the_allocation_that_fills_a_request_refreshes_its_state(
    runtime: Runtime, world: World
) -> None:
    """Filling the line cannot be made at once (the request's state changes): the
    transaction makes it, whichever database."""
    market = await _opened(runtime, world, offered=5, requested=3)
    made = await allocate(
        runtime, coordinator(world), market.offer_lines[0], market.request_lines[0], 2, alone=True
    )
    assert await _state(runtime, market) == (2, 3, 2, 0)
    async with runtime.db.read() as session:
        request = await session.get(ResourceRequest, market.request_id)
        row = await session.get(Allocation, made.id)
    assert request is not None
    assert request.state == RequestState.FILLED.value
    assert row is not None
    assert (row.offer_line_id, row.quantity) == (market.offer_lines[0], 2)


async def test_an_allocation_at_once_returns_what_it_wrote(runtime: Runtime, world: World) -> None:
    market = await _opened(runtime, world, offered=5, requested=10)
    made = await allocate(
        runtime, coordinator(world), market.offer_lines[0], market.request_lines[0], 2, alone=True
    )
    async with runtime.db.read() as session:
        row = await session.get(Allocation, made.id)
        request = await session.get(ResourceRequest, market.request_id)
    assert row is not None
    assert row.snapshot() == made.snapshot()
    assert row.created_by == made.created_by
    assert request is not None
    assert request.state == RequestState.PARTIALLY_FILLED.value
    assert await _state(runtime, market) == (2, 3, 2, 0)


async def test_a_unit_that_holds_changes_never_commits_an_allocation_apart(
    runtime: Runtime, world: World
) -> None:
    """``alone`` from a caller that already recorded a change: the allocation stays in the
    unit's transaction, and rolls back with it."""
    market = await _opened(runtime, world, offered=5, requested=10)

    async def failing_unit() -> None:
        async with runtime.db.unit_of_work() as uow:
            uow.record(AuditRecord("test", "partner.update", "partner", world.donor, None, {}))
            await allocations.allocate(
                coordinator(world),
                market.offer_lines[0],
                market.request_lines[0],
                2,
                uow=uow,
                policy=runtime.policy,
                alone=True,
            )
            raise RuntimeError("the unit fails after the allocation")

    with pytest.raises(RuntimeError, match="after the allocation"):
        await failing_unit()
    assert await _state(runtime, market) == (0, 1, 1, 0)
