"""Suggestions rank exactly as the rule says: compared with a brute-force reference that
scores and sorts every offer line in Python, on random markets, through both ways the
service fetches a group's lines (by work when few, walking offers by expiry when many)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from exchange import clock
from exchange.catalogue.models import Work
from exchange.db.table import table
from exchange.matching import candidates
from exchange.matching import service as matching
from exchange.offers.models import Offer, OfferLine
from exchange.partners.models import Partner
from exchange.requests import service as requests
from exchange.requests.models import RequestLine
from exchange.runtime import Runtime
from tests.matching.market import Market, build

Ranked = list[tuple[uuid.UUID, int, bool, int]]  # line id, available, exact, score


async def reference(runtime: Runtime, market: Market, line_id: uuid.UUID, first: int) -> Ranked:
    """Every offer line scored by the module's rule, filtered, sorted; the first ``first``."""
    lines, offers, partners, works = (
        table(OfferLine),
        table(Offer),
        table(Partner),
        table(Work),
    )
    async with runtime.db.read() as session:
        need = await session.get(RequestLine, line_id)
        connection = await session.connection()
        rows = (
            await connection.execute(
                sa.select(
                    lines.c.id,
                    lines.c.work_id,
                    lines.c.quantity - lines.c.allocated,
                    offers.c.state,
                    offers.c.expires_at,
                    offers.c.partner_id,
                    partners.c.status,
                )
                .join(offers, offers.c.id == lines.c.offer_id)
                .join(partners, partners.c.id == offers.c.partner_id)
            )
        ).all()
        catalogue = {w.id: w for w in (await connection.execute(sa.select(works))).all()}
    assert need is not None
    now = clock.now()

    def score(work: Any) -> tuple[bool, int]:
        if need.work_id is not None:
            return work.id == need.work_id, matching.FULL_SCORE if work.id == need.work_id else 0
        checks = []
        if need.subject:
            checks.append(need.subject.casefold() in [s.casefold() for s in work.subjects])
        for criterion in ("language", "level", "kind"):
            if getattr(need, criterion):
                checks.append(getattr(work, criterion) == getattr(need, criterion))
        met = sum(checks)
        return False, met * matching.FULL_SCORE // len(checks) if checks else 0

    ranked = []
    for line, work_id, available, state, expires_at, partner_id, status in rows:
        exact, points = score(catalogue[work_id])
        if (
            state == "open"
            and expires_at > now
            and status == "active"
            and partner_id != market.requester_partner
            and available > 0
            and points > 0
        ):
            ranked.append((not exact, -points, expires_at, line, available, exact, points))
    ranked.sort()
    return [(r[3], r[4], r[5], r[6]) for r in ranked[:first]]


async def ranked(runtime: Runtime, market: Market, line_id: uuid.UUID, first: int) -> Ranked:
    async with runtime.db.read() as session:
        found = await matching.suggestions(
            market.requester, line_id, first, session=session, policy=runtime.policy
        )
    return [(s.offer_line.id, s.available, s.exact, s.score) for s in found]


@pytest.mark.parametrize(
    ("narrow", "narrow_works"),
    [(candidates.NARROW, candidates.NARROW_WORKS), (3, candidates.NARROW_WORKS), (3, 1)],
    ids=["as-configured", "few-lines-fetched-by-work", "always-walking-offers"],
)
async def test_suggestions_rank_as_the_brute_force_reference(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, narrow: int, narrow_works: int
) -> None:
    monkeypatch.setattr(candidates, "NARROW", narrow)
    monkeypatch.setattr(candidates, "NARROW_WORKS", narrow_works)
    compared = 0
    for seed in (1, 2):
        market = await build(runtime, works=24, lines=900, seed=seed)
        for need, line_id in market.request_lines.items():
            for first in (1, 7, 100):
                expected = await reference(runtime, market, line_id, first)
                assert await ranked(runtime, market, line_id, first) == expected, (need, first)
                compared += len(expected)
    # the markets leave something to rank for every need (so the comparison is not empty)
    assert compared > 2 * 6 * (1 + 7 + 20)


async def test_suggestions_of_many_lines_rank_as_the_brute_force_reference(
    runtime: Runtime,
) -> None:
    """The board's path (``suggestions_for``: the market read in rank order until each
    line has enough) gives every line of a request exactly the reference's ranking,
    whatever ``first``."""
    compared = 0
    for seed in (3, 4):
        market = await build(runtime, works=24, lines=900, seed=seed)
        async with runtime.db.read() as session:
            lines = [await session.get(RequestLine, i) for i in market.request_lines.values()]
            request, requester = await requests.load(session, lines[0].request_id)  # type: ignore[union-attr]
            asked = [(line, request, requester) for line in lines if line is not None]
            for first in (1, 7, 100):
                found = await matching.suggestions_for(
                    market.requester, asked, first, session=session, policy=runtime.policy
                )
                for need, line_id in market.request_lines.items():
                    expected = await reference(runtime, market, line_id, first)
                    got = [(s.offer_line.id, s.available, s.exact, s.score) for s in found[line_id]]
                    assert got == expected, (need, first)
                    compared += len(expected)
    assert compared > 2 * 6 * (1 + 7 + 20)
