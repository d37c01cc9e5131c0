"""The ``allocate`` mutation when the allocation is made at once (PostgreSQL: the request
line already holds copies and stays short; ``allocations.allocate(alone=True)``): it
answers with the row it wrote, and a refusal names what is left, with nothing changed."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from exchange.allocations.models import Allocation
from exchange.audit import chain, linker
from exchange.offers.models import OfferLine
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.runtime import Runtime
from exchange.sync import instance
from tests.allocations.market import make_market
from tests.conftest import World, gql, operation


async def _allocate(client: Any, world: World, offer_line: Any, request_line: Any, n: int) -> Any:
    variables = {
        "input": {"offerLineId": str(offer_line), "requestLineId": str(request_line), "quantity": n}
    }
    got = await gql(client, operation("Allocate"), variables, world.tokens["coordinator"])
    return got["data"]["allocate"]


async def _books(runtime: Runtime) -> tuple[int, int, int, str, int]:
    """(offer line allocated, request line allocated, allocation rows, request state,
    pending audit records); the chain verified."""
    async with runtime.db.read() as session:
        offer = (await session.exec(select(OfferLine))).one()
        request_line = (await session.exec(select(RequestLine))).one()
        request = (await session.exec(select(ResourceRequest))).one()
        count = (await session.exec(select(sa.func.count()).select_from(Allocation))).one()
        assert (await chain.verify(session)).ok
        pending = await linker.waiting(session)
    return offer.allocated, request_line.allocated, count, request.state, pending


async def test_allocate_made_at_once_answers_with_the_row_it_wrote(
    client: Any, runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[10])
    async with runtime.db.unit_of_work() as uow:
        await instance.ensure(uow)  # a claim may be alone only once the instance exists
    offer_line, request_line = market.offer_lines[0], market.request_lines[0]
    first = await _allocate(client, world, offer_line, request_line, 1)  # 0 -> 1: a transaction
    assert first["__typename"] == "Allocation"
    second = await _allocate(client, world, offer_line, request_line, 2)  # 1 -> 3: at once
    async with runtime.db.read() as session:
        row = await session.get(Allocation, uuid.UUID(second["id"]))
    assert row is not None
    assert second == {
        "__typename": "Allocation",
        "id": str(row.id),
        "quantity": 2,
        "state": "ACTIVE",
        "offerLineId": str(offer_line),
        "requestLineId": str(request_line),
    }
    assert (row.quantity, row.state, row.request_line_id) == (2, "active", request_line)
    assert await _books(runtime) == (3, 3, 2, "partially_filled", 0)

    short = await _allocate(client, world, offer_line, request_line, 3)
    assert short == {
        "__typename": "InsufficientQuantity",
        "message": "only 2 left on the offer line",
        "line": "offer",
        "lineId": str(offer_line),
        "available": 2,
    }
    assert await _books(runtime) == (3, 3, 2, "partially_filled", 0)
