"""The shape every mutation shares: one unit of work, one service call, typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from exchange import errors
from exchange.api.context import Context
from exchange.api.errors import to_graphql
from exchange.db.uow import UnitOfWork

Row = TypeVar("Row")


async def perform(
    ctx: Context, work: Callable[[UnitOfWork], Awaitable[Row]], render: Callable[[Row], Any]
) -> Any:
    """Run ``work`` in a unit of work that commits; render its result, or the typed error."""
    try:
        async with ctx.runtime.db.unit_of_work() as uow:
            row = await work(uow)
    except errors.ExchangeError as error:
        return to_graphql(error)
    return render(row)
