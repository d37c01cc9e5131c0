"""The shapes resolvers share, so each resolver is only its parse, its call, its render.

* ``perform_as``: a mutation — one unit of work that commits, or the typed error as a
  result, its ``failure`` picking the errors the mutation's union names (``not_in_union``
  for any other);
* ``lookup``: one entity — None when it does not exist or is not visible (``NotFound`` or
  ``PermissionDenied``: every ``thing(id)`` answers the same, so none tells an unknown id
  from a hidden one); a malformed id is an error;
* ``listing``: a read whose domain errors become GraphQL errors with extensions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import errors
from exchange.api.context import Context
from exchange.api.errors import query_error
from exchange.db.uow import UnitOfWork

Row = TypeVar("Row")
Out = TypeVar("Out")
Failure = TypeVar("Failure")


async def perform_as(
    ctx: Context,
    work: Callable[[UnitOfWork], Awaitable[Row]],
    render: Callable[[Row], Out],
    failure: Callable[[errors.ExchangeError], Failure],
) -> Out | Failure:
    """Run ``work`` in a unit of work that commits: the rendered result, or ``failure`` of
    the domain error (which raises for an error the mutation's union does not name)."""
    try:
        async with ctx.runtime.db.unit_of_work() as uow:
            row = await work(uow)
    except errors.ExchangeError as error:
        return failure(error)
    return render(row)


async def lookup(
    ctx: Context, read: Callable[[AsyncSession], Awaitable[Row]], render: Callable[[Row], Out]
) -> Out | None:
    try:
        async with ctx.reads.session() as session:
            row = await read(session)
    except (errors.NotFound, errors.PermissionDenied):
        return None
    except errors.ExchangeError as error:
        raise query_error(error) from error
    return render(row)


async def listing(
    ctx: Context, read: Callable[[AsyncSession], Awaitable[Row]], render: Callable[[Row], Out]
) -> Out:
    try:
        async with ctx.reads.session() as session:
            found = await read(session)
    except errors.ExchangeError as error:
        raise query_error(error) from error
    return render(found)
