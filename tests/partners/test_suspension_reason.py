"""The reason of a suspension or reactivation is held to the text rule in the partners
service itself (so the pages, GraphQL and the CLI refuse alike): a NUL is
``forbidden_character``, more than ``MAX_REASON`` code points ``too_long``, nothing changed."""

from __future__ import annotations

import uuid

import pytest

from exchange import errors
from exchange.identity.identity import SYSTEM
from exchange.partners import service as partners
from exchange.runtime import Runtime
from tests.conftest import World


@pytest.mark.parametrize(
    ("reason", "code"),
    [("r\x00", "forbidden_character"), ("r" * (partners.MAX_REASON + 1), "too_long")],
)
async def test_a_reason_the_text_rule_refuses_suspends_nothing(
    runtime: Runtime, world: World, reason: str, code: str
) -> None:
    national = uuid.UUID(world.national)
    with pytest.raises(errors.ValidationFailed) as refused:
        async with runtime.db.unit_of_work() as uow:
            await partners.suspend(SYSTEM, national, reason, uow=uow, policy=runtime.policy)
    assert [(e.field, e.code) for e in refused.value.errors] == [("reason", code)]
    async with runtime.db.read() as session:
        assert (
            await partners.get(SYSTEM, national, session=session, policy=runtime.policy)
        ).status == "active"


async def test_a_plain_reason_suspends(runtime: Runtime, world: World) -> None:
    national = uuid.UUID(world.national)
    async with runtime.db.unit_of_work() as uow:
        await partners.suspend(SYSTEM, national, "audit", uow=uow, policy=runtime.policy)
    async with runtime.db.read() as session:
        assert (
            await partners.get(SYSTEM, national, session=session, policy=runtime.policy)
        ).status == "suspended"
