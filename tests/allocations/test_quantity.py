"""One bound for the quantity of an allocation (``allocations.quantity``): the service
refuses past it with the field error the pages also show, and writes nothing."""

from __future__ import annotations

import pytest

from exchange.allocations import service as allocations
from exchange.allocations.quantity import MAX_QUANTITY
from exchange.errors import ValidationFailed
from exchange.runtime import Runtime
from tests.allocations.market import coordinator, make_market
from tests.conftest import World
from tests.pages.people import rows

COUNTERS = "SELECT allocated FROM offer_line UNION ALL SELECT allocated FROM request_line"


@pytest.mark.parametrize("quantity", [0, MAX_QUANTITY + 1, 2**31, 10**30])
async def test_an_allocation_outside_1_to_100000_is_refused_by_its_field_and_nothing_written(
    runtime: Runtime, world: World, quantity: int
) -> None:
    market = await make_market(runtime, world, offered=[MAX_QUANTITY], requested=[MAX_QUANTITY])
    with pytest.raises(ValidationFailed) as refused:
        async with runtime.db.unit_of_work() as uow:
            await allocations.allocate(
                coordinator(world),
                market.offer_lines[0],
                market.request_lines[0],
                quantity,
                uow=uow,
                policy=runtime.policy,
            )
    assert [(e.field, e.code, e.message) for e in refused.value.errors] == [
        ("quantity", "out_of_range", "between 1 and 100000")
    ]
    assert await rows(runtime, "SELECT count(*) FROM allocation") == [(0,)]
    assert await rows(runtime, COUNTERS) == [(0,), (0,)]


async def test_an_allocation_of_exactly_the_bound_is_made(runtime: Runtime, world: World) -> None:
    market = await make_market(runtime, world, offered=[MAX_QUANTITY], requested=[MAX_QUANTITY])
    async with runtime.db.unit_of_work() as uow:
        await allocations.allocate(
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            MAX_QUANTITY,
            uow=uow,
            policy=runtime.policy,
        )
    assert await rows(runtime, "SELECT quantity FROM allocation") == [(100_000,)]
