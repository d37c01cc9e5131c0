"""Cursor connections (Relay style) for every list in the schema."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

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
    page: Page[R], convert: Callable[[R], T], key: Callable[[R], uuid.UUID]
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(key(row)), node=convert(row)) for row in page.items]
    return Connection(
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
        ),
    )


def node_fields(info: Info[Any, Any], *within: str) -> frozenset[str]:
    """The fields a query selects on the nodes of the connection being resolved (through
    ``edges { node }`` or ``nodes``, fragments included), so that a resolver can read
    what they need along with the page instead of one batch per field afterwards; with
    ``within`` (field names, outermost first), the fields selected under those fields of
    the nodes instead."""
    wanted: set[str] = set()
    path = ("node", *within)

    def walk(selections: Iterable[Selection], depth: int) -> None:
        for selection in selections:
            if not isinstance(selection, SelectedField):  # a fragment: same level
                walk(selection.selections, depth)
            elif depth == 0 and selection.name in ("edges", "nodes"):
                walk(selection.selections, 1 if selection.name == "edges" else 2)
            elif depth == len(path) + 1:
                wanted.add(selection.name)
            elif depth >= 1 and selection.name == path[depth - 1]:
                walk(selection.selections, depth + 1)

    for field in info.selected_fields:
        walk(field.selections, 0)
    return frozenset(wanted)
