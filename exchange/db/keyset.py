"""Keyset pagination of a SELECT by a time-ordered id column."""

from __future__ import annotations

from typing import Any, TypeVar

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
