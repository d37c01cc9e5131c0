"""Keyset pagination of a SELECT by a time-ordered id column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from exchange.pagination import Page, PageRequest

T = TypeVar("T")


async def fetch_page(
    session: AsyncSession, statement: SelectOfScalar[T], id_column: Any, page: PageRequest
) -> Page[T]:
    """Rows after the cursor, oldest first, one more than asked to learn if more follow."""
    if page.after is not None:
        statement = statement.where(id_column > page.after)
    statement = statement.order_by(id_column).limit(page.first + 1)
    return Page.from_rows(list((await session.exec(statement)).all()), page)


async def fetch_rows(
    session: AsyncSession,
    statement: sa.Select[Any],
    id_column: Any,
    page: PageRequest,
    make: Callable[[Any], T],
) -> Page[T]:
    """``fetch_page`` of a Core statement, run on the session's connection (no ORM
    objects): each row becomes ``make(row)``."""
    if page.after is not None:
        statement = statement.where(id_column > page.after)
    statement = statement.order_by(id_column).limit(page.first + 1)
    connection = await session.connection()
    return Page.from_rows([make(row) for row in await connection.execute(statement)], page)
