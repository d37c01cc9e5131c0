"""Cursor connections (Relay style) for every list in the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import strawberry

from exchange.pagination import Page, encode_cursor

T = TypeVar("T")


class HasId(Protocol):
    @property
    def id(self) -> object: ...


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo


R = TypeVar("R")


def connection(
    page: Page[R], convert: Callable[[R], T], key: Callable[[R], object]
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(key(row)), node=convert(row)) for row in page.items]  # type: ignore[arg-type]
    return Connection(
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
        ),
    )
