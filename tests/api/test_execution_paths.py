"""The short paths of GraphQL execution answer as Strawberry's own would
(``exchange.api.execution``, ``exchange.api.loaders.resolved``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from exchange.api.execution import _serializer
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
        serialize, _unchanged = _serializer(enum)
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
