"""The short paths of GraphQL execution answer as Strawberry's own would
(``exchange.api.execution``, ``exchange.api.loaders.resolved``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from exchange.api.execution import LeafFastExecution, slim_resolvers
from exchange.api.execution.leaves import serializer
from exchange.api.loaders import Loaders
from exchange.api.loaders.resolved import Showing
from exchange.api.reads import RequestReads
from exchange.api.schema import build
from exchange.db.engine import Database
from exchange.identity.identity import SYSTEM
from exchange.policy import PolicyEngine
from exchange.settings import Settings


def test_enum_tables_serialize_every_member_as_strawberry_does(tmp_path: Path) -> None:
    schema = build(Settings(data_dir=tmp_path))
    enums = [t for t in schema._schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)]
    assert len(enums) >= 10
    for enum in enums:
        serialize, _unchanged = serializer(enum)
        member: Any
        for member in enum.wrapped_cls:
            assert serialize(member) == enum.serialize(member)
        assert serialize("not a member") is None  # left to Strawberry's path, which refuses


def test_only_resolvers_taking_info_alone_are_called_directly(tmp_path: Path) -> None:
    types = build(Settings(data_dir=tmp_path))._schema.type_map

    def slim(type_name: str, field: str) -> bool:
        named = types[type_name]
        assert isinstance(named, GraphQLObjectType)
        return getattr(named.fields[field].resolve, "__name__", "") == "slim"

    assert slim("Offer", "lines")
    assert slim("Offer", "partner")
    assert slim("OfferLine", "work")
    assert not slim("Query", "offers")  # arguments, and the InputBoundary extension
    assert not slim("Offer", "state")  # an attribute: Strawberry's default resolver


async def test_a_value_is_rendered_once_per_key_and_released_with_the_request() -> None:
    batches: list[list[int]] = []

    async def load(keys: Sequence[int]) -> list[str]:
        batches.append(list(keys))
        return [f"row {k}" for k in keys]

    loader: Showing[int, str] = Showing(load)
    rendered: list[str] = []

    def render(row: str) -> list[str]:
        rendered.append(row)
        return [row.upper()]

    first = await loader.show(1, render)  # type: ignore[misc]  # not loaded yet: awaitable
    assert first == ["ROW 1"]
    assert batches == [[1]]
    again, other = loader.show(1, render), loader.show(1, lambda row: row)
    assert again is loader.show(1, render)  # the same object, rendered once
    assert again == ["ROW 1"]
    assert other == "row 1"
    assert rendered == ["row 1"]
    loader.prime(2, "row 2")
    assert loader.show(2, render) == ["ROW 2"]
    assert batches == [[1]]
    loader.forget()
    assert loader.show(1, render) == ["ROW 1"]
    assert rendered == ["row 1", "row 2", "row 1"]


async def test_released_loaders_hold_nothing_and_load_nothing(tmp_path: Path) -> None:
    """At the end of a request its loaders let go of their rows (they sit in reference
    cycles that only the cyclic collector would otherwise free)."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    loaders = Loaders.make(SYSTEM, RequestReads(db), PolicyEngine())
    key = uuid.uuid4()
    loaders.work_by_id.prime(key, None)
    assert loaders.work_by_id.show(key, lambda row: row) is None
    loaders.release()
    assert loaders.work_by_id.cache_map.cache_map == {}  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="request that made this loader is over"):
        await loaders.work_by_id.load(key)
    await db.dispose()


# One small schema, executed by Strawberry's own executor and by ours.
@strawberry.type
class Leafy:
    name: str
    count: int
    strict: int  # past 32 bits for one of them: refused by Int, as a field error
    flag: bool | None


@strawberry.type
class Node:
    key: int
    leafy: Leafy | None

    @strawberry.field
    def child(self, info: strawberry.Info) -> Node | None:
        if self.key == 2:
            raise ValueError("no child for 2")
        return None if self.key >= 3 else Node(key=self.key + 1, leafy=self.leafy)

    @strawberry.field
    def required(self, info: strawberry.Info) -> Leafy:
        return self.leafy  # type: ignore[return-value]  # None: null for a non-null type

    @strawberry.field
    def items(self, info: strawberry.Info) -> list[Node]:
        return [Node(key=k, leafy=self.leafy) for k in range(self.key)]

    @strawberry.field
    async def later(self, info: strawberry.Info) -> Node | None:
        return Node(key=self.key + 10, leafy=None)

    @strawberry.field
    async def eventually(self, info: strawberry.Info) -> Leafy:
        return self.leafy  # type: ignore[return-value]  # None: null for a non-null type


def _leafy(i: int) -> Leafy | None:
    if i == 3:
        return None
    return Leafy(name=f"n{i}", count=i, strict=2**31 if i == 1 else i, flag=i % 2 == 0)


@strawberry.type
class TwinQuery:
    @strawberry.field
    def nodes(self, info: strawberry.Info) -> list[Node | None]:
        return [Node(key=i, leafy=_leafy(i)) for i in range(5)]

    @strawberry.field
    def strict_nodes(self, info: strawberry.Info) -> list[Node] | None:
        return [Node(key=i, leafy=_leafy(i)) for i in range(5)]


def _twin_schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    ours = strawberry.Schema(query=TwinQuery, execution_context_class=LeafFastExecution)
    slim_resolvers(ours)
    return strawberry.Schema(query=TwinQuery), ours


QUERY_WITH_ERRORS = """{
  nodes { key leafy { name count flag } child { key child { key leafy { strict } } }
          required { name } items { key required { count } } later { key leafy { name } } }
  strictNodes { key items { key leafy { strict } required { name } } }
  again: nodes { items { key later { key } eventually { name } } }
}"""


async def test_objects_lists_errors_and_nulls_complete_as_strawberry_does() -> None:
    """Objects completed straight to their selection, Int and Boolean leaves passed as
    they are: the same data, errors and error paths as Strawberry's own executor."""
    theirs, ours = _twin_schemas()
    expected = await theirs.execute(QUERY_WITH_ERRORS)
    found = await ours.execute(QUERY_WITH_ERRORS)
    assert found.data == expected.data
    assert expected.errors is not None
    assert found.errors is not None
    assert [(e.message, e.path) for e in found.errors] == [
        (e.message, e.path) for e in expected.errors
    ]
    assert len(expected.errors) >= 5  # raised, null for non-null (twice), Int range
    assert expected.data is not None
    assert expected.data["strictNodes"] is None  # a null item propagated to the list
    assert [node and node["key"] for node in expected.data["nodes"]] == [0, 1, 2, None, 4]
