"""The audit trail: every change is chained, and any tampering is named."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from exchange.audit import chain
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import World, gql, operation


async def execute(runtime: Runtime, sql: str, **params: Any) -> None:
    async with runtime.db.writer.begin() as conn:
        await conn.execute(sa.text(sql), params)


async def events(runtime: Runtime) -> list[tuple[int, str, str]]:
    async with runtime.db.read() as session:
        return [(e.seq, e.action, e.entity_id) async for e in chain.stream(session)]


async def test_every_change_writes_one_chained_event(
    client: Any, world: World, runtime: Runtime
) -> None:
    before = await events(runtime)
    body = await gql(
        client,
        operation("UpdatePartner"),
        {"input": {"id": world.national, "tags": ["income-eligible"]}},
        world.tokens["admin"],
    )
    assert body["data"]["updatePartner"]["tags"] == ["income-eligible"]
    after = await events(runtime)
    assert after[: len(before)] == before
    assert after[len(before) :] == [(len(before) + 1, "partner.update", world.national)]
    async with runtime.db.read() as session:
        last = await chain.head(session)
        verification = await chain.verify(session)
    assert last is not None
    assert last.actor == f"account:{world.account_ids['admin']}"
    assert last.before is not None
    assert last.before["tags"] == ["review-destination"]
    assert last.after is not None
    assert last.after["tags"] == ["income-eligible"]
    assert verification.ok
    assert verification.count == len(after)


async def test_concurrent_mutations_never_fork_the_chain(
    client: Any, world: World, runtime: Runtime
) -> None:
    count_before = len(await events(runtime))

    async def create(index: int) -> str:
        variables = {
            "input": {
                "names": [{"lang": "en", "value": f"Concurrent {index}"}],
                "country": "SE",
                "kind": "PUBLISHER",
            }
        }
        body = await gql(client, operation("CreatePartner"), variables, world.tokens["admin"])
        return str(body["data"]["createPartner"]["__typename"])

    results = await asyncio.gather(*(create(i) for i in range(24)))
    assert results == ["Partner"] * 24
    async with runtime.db.read() as session:
        verification = await chain.verify(session)
    assert verification.ok
    assert verification.count == count_before + 24
    assert [seq for seq, _, _ in await events(runtime)] == list(range(1, count_before + 25))


async def test_verify_names_an_edited_event(
    settings: Settings, world: World, runtime: Runtime
) -> None:
    await execute(runtime, "UPDATE audit_event SET actor = 'someone else' WHERE seq = 3")
    result = await invoke(settings, "audit", "verify")
    assert result.exit_code == 10  # verification failed (exchange/cli/exit_codes.py)
    assert "FAIL event 3: content does not match its hash (edited)" in result.output


async def test_verify_names_a_deleted_event(
    settings: Settings, world: World, runtime: Runtime
) -> None:
    await execute(runtime, "DELETE FROM audit_event WHERE seq = 4")
    result = await invoke(settings, "audit", "verify")
    assert result.exit_code == 10  # verification failed (exchange/cli/exit_codes.py)
    assert "FAIL event 4: event 4 is missing (next is 5)" in result.output


async def test_verify_names_reordered_events(
    settings: Settings, world: World, runtime: Runtime
) -> None:
    await execute(runtime, "UPDATE audit_event SET seq = -1 WHERE seq = 5")
    await execute(runtime, "UPDATE audit_event SET seq = 5 WHERE seq = 6")
    await execute(runtime, "UPDATE audit_event SET seq = 6 WHERE seq = -1")
    result = await invoke(settings, "audit", "verify")
    assert result.exit_code == 10  # verification failed (exchange/cli/exit_codes.py)
    assert "FAIL event 5: previous-hash link does not match the event before it" in result.output


async def test_intact_chain_verifies(settings: Settings, world: World) -> None:
    result = await invoke(settings, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK ")


async def checkpoint_file(settings: Settings, tmp_path: Path) -> Path:
    result = await invoke(settings, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    path = tmp_path / "checkpoint.json"
    path.write_text(result.output)
    return path


async def test_checkpoint_detects_a_truncated_tail(
    settings: Settings, world: World, runtime: Runtime, tmp_path: Path
) -> None:
    path = await checkpoint_file(settings, tmp_path)
    ok = await invoke(settings, "audit", "verify", "--checkpoint", str(path))
    assert ok.exit_code == 0, ok.output
    head = (await events(runtime))[-1][0]
    await execute(runtime, "DELETE FROM audit_event WHERE seq >= :seq", seq=head - 1)
    alone = await invoke(settings, "audit", "verify")
    assert alone.exit_code == 0  # the chain by itself cannot see a cut tail
    result = await invoke(settings, "audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 10  # verification failed (exchange/cli/exit_codes.py)
    assert f"FAIL event {head} named by the checkpoint is gone (tail truncated)" in result.output


async def test_checkpoint_detects_a_rewritten_tail(
    client: Any, settings: Settings, world: World, runtime: Runtime, tmp_path: Path
) -> None:
    path = await checkpoint_file(settings, tmp_path)
    head = (await events(runtime))[-1][0]
    await execute(runtime, "DELETE FROM audit_event WHERE seq = :seq", seq=head)
    # the forger appends a different event at the same position, with valid hashes
    body = await gql(
        client, operation("SuspendPartner"), {"id": world.donor}, world.tokens["admin"]
    )
    assert body["data"]["suspendPartner"]["status"] == "SUSPENDED"
    alone = await invoke(settings, "audit", "verify")
    assert alone.exit_code == 0
    result = await invoke(settings, "audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 10  # verification failed (exchange/cli/exit_codes.py)
    assert f"FAIL event {head} differs from the checkpoint (tail rewritten)" in result.output


async def test_forged_checkpoint_is_rejected(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    path = await checkpoint_file(settings, tmp_path)
    document = json.loads(path.read_text())
    signature = document["signatures"][0]["signature"]
    document["signatures"][0]["signature"] = ("B" if signature[0] == "A" else "A") + signature[1:]
    path.write_text(json.dumps(document))
    result = await invoke(settings, "audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 10  # verification failed (exchange/cli/exit_codes.py)
    assert "FAIL checkpoint rejected: signature 0" in result.output
