"""The board's path (``suggestions_for``: the market read in rank order a chunk at a time,
stopping once every line has enough) gives each line exactly what the single-line service
(``suggestions``) gives it: on random markets (shared expiries, lines of every state),
for lines of two requesters at once (each skips its own offers), whatever ``first``, and
whatever the chunk sizes — one line a chunk, a few, or the configured ones."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlmodel import select

from exchange.identity.identity import Grant, Identity, Role
from exchange.ids import uuid7
from exchange.matching import board
from exchange.matching import service as matching
from exchange.requests import service as requests
from exchange.requests.models import RequestLine
from exchange.runtime import Runtime
from tests.matching.market import build, needs

Ranked = list[tuple[uuid.UUID, int, bool, int]]  # line id, available, exact, score


async def _second_requester(runtime: Runtime, partner: uuid.UUID, works: list[uuid.UUID]) -> None:
    """A request of every kind of need from ``partner``, a donor of the market."""
    librarian = Identity(uuid7(), None, (Grant(partner, Role.LIBRARIAN),))
    drafts = needs(random.Random(5), works)  # noqa: S311 (test data, reproducible)
    async with runtime.db.unit_of_work() as uow:
        await requests.create(
            librarian,
            requests.RequestDraft(partner, list(drafts.values())),
            uow=uow,
            policy=runtime.policy,
        )


@pytest.mark.parametrize(
    ("first_batch", "last_batch"),
    [(1, 1), (3, 7), (board.FIRST_BATCH, board.LAST_BATCH)],
    ids=["one-line-chunks", "small-chunks", "as-configured"],
)
async def test_board_ranks_every_line_as_the_single_line_service(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, first_batch: int, last_batch: int
) -> None:
    monkeypatch.setattr(board, "FIRST_BATCH", first_batch)
    monkeypatch.setattr(board, "LAST_BATCH", last_batch)
    market = await build(runtime, works=24, lines=600, seed=6)
    donor = market.donors[1]  # active, offers lines of its own
    await _second_requester(runtime, donor, market.works)
    coordinator = Identity(uuid7(), None, (Grant(market.requester_partner, Role.COORDINATOR),))
    async with runtime.db.read() as session:
        asked = []
        for line in (await session.exec(select(RequestLine))).all():
            request, requester = await requests.load(session, line.request_id)
            asked.append((line, request, requester))
    assert {requester.id for _, _, requester in asked} == {market.requester_partner, donor}
    assert len(asked) == 2 * len(market.request_lines)
    compared, differing = 0, 0
    for first in (1, 4, 30):
        async with runtime.db.read() as session:
            found = await matching.suggestions_for(
                coordinator, asked, first, session=session, policy=runtime.policy
            )
        for line, _, _ in asked:
            async with runtime.db.read() as session:
                single = await matching.suggestions(
                    coordinator, line.id, first, session=session, policy=runtime.policy
                )
            expected: Ranked = [(s.offer_line.id, s.available, s.exact, s.score) for s in single]
            got: Ranked = [(s.offer_line.id, s.available, s.exact, s.score) for s in found[line.id]]
            assert got == expected, (line.id, first)
            compared += len(expected)
        by_need: dict[tuple[object, ...], list[Ranked]] = {}
        for line, _, _ in asked:
            if line.work_id is None:
                need = (line.subject, line.language, line.level, line.kind)
                shown = [(s.offer_line.id, s.available, s.exact, s.score) for s in found[line.id]]
                by_need.setdefault(need, []).append(shown)
        differing += sum(a != b for a, b in by_need.values())
    # every need has something to rank (so the comparison is not empty), and the two
    # requesters' answers to the same need differ where their own lines are skipped
    assert compared > 2 * 6 * (1 + 4 + 20)
    assert differing > 0
