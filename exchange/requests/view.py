"""A request as its page and the matching board show it: each line with its work, its
active allocations, and — for whoever may allocate — the ranked offer lines that could fill
it, each with its work and donor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations import standing, visible
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import Work
from exchange.identity.identity import Identity
from exchange.matching import service as matching
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, RequestState, ResourceRequest

SUGGESTIONS_PER_LINE = 5  # on a request's page
BOARD_SUGGESTIONS = 3  # on the matching board, which links each line to its request's page


@dataclass(frozen=True, slots=True)
class Candidate:
    suggestion: matching.Suggestion
    work: Work | None
    donor: Partner | None


@dataclass(frozen=True, slots=True)
class LineView:
    line: RequestLine
    work: Work | None
    allocations: list[standing.Standing]  # the active ones, each with what it allows now
    candidates: list[Candidate]
    more_candidates: bool = False  # more suggestions than shown (on the request's page)


@dataclass(frozen=True, slots=True)
class RequestView:
    request: ResourceRequest
    note: str | None  # None when the reader may not read the note
    requester: Partner
    lines: list[LineView]


async def read(
    identity: Identity, request_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> RequestView:
    """One request with everything above. Raises ``NotFound`` when the request does not
    exist or is not the identity's to read. Suggestions are empty for readers who may not
    see them, and for requests that are filled or cancelled."""
    found = await requests.get(identity, request_id, session=session, policy=policy)
    return (await read_many(identity, [found], session=session, policy=policy))[0]


async def open_requests(
    identity: Identity, page: PageRequest, *, session: AsyncSession, policy: PolicyEngine
) -> tuple[list[RequestView], bool]:
    """The matching board: open and partly filled requests, oldest first, a page at a time
    (``first`` requests), each line with its best ``BOARD_SUGGESTIONS`` suggestions; the
    bool says whether more requests follow."""
    listed = await requests.list(
        identity,
        requests.RequestFilter(states=(RequestState.OPEN, RequestState.PARTIALLY_FILLED)),
        page,
        session=session,
        policy=policy,
    )
    views = await read_many(
        identity, listed.items, BOARD_SUGGESTIONS, session=session, policy=policy
    )
    return views, listed.has_next


async def read_many(
    identity: Identity,
    seen: Sequence[requests.Seen],
    suggestions: int = SUGGESTIONS_PER_LINE,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> list[RequestView]:
    """The views of ``seen`` requests, each open line with its best ``suggestions`` (one
    more is read, to tell whether there are more than shown). Statements: the lines, their
    active allocations (``visible``), the suggestions with their donors
    (``matching.suggestions_for``) and the works named — each a fixed number, whatever the
    number of requests and lines; the requesters come with ``seen``."""
    shown = [s.request for s in seen]
    notes = {s.request.id: s.note for s in seen}
    lines = await requests.lines_of([r.id for r in shown], session=session)
    everything = [line for r in shown for line in lines.get(r.id, [])]
    active = await visible.active_for_lines(
        identity,
        [line.id for line in everything if line.allocated > 0],
        session=session,
        policy=policy,
    )
    standings = await standing.of(
        identity, active.shown(), active.parties, session=session, policy=policy
    )
    held = {s.allocation.id: s for s in standings}
    requesters = {s.request.id: s.requester for s in seen}
    by_id = {r.id: r for r in shown}
    suggested = await matching.suggestions_for(
        identity,
        [
            (line, by_id[line.request_id], requesters[line.request_id])
            for line in everything
            if line.allocated < line.quantity
        ],
        suggestions + 1,
        session=session,
        policy=policy,
    )
    offer_lines = [s.offer_line for found in suggested.values() for s in found]
    work_ids = {line.work_id for line in everything if line.work_id} | {
        o.work_id for o in offer_lines
    }
    works = await catalogue.get_many(identity, work_ids, session=session, policy=policy)
    donors = {s.donor.id: s.donor for found in suggested.values() for s in found}
    named = partners.readable(identity, donors.values(), policy=policy)
    views: list[RequestView] = []
    for request in shown:
        requester = requesters[request.id]
        line_views = [
            LineView(
                line,
                works.get(line.work_id) if line.work_id else None,
                [held[a.id] for a in active.by_line.get(line.id, [])],
                [
                    Candidate(
                        s,
                        works.get(s.offer_line.work_id),
                        named.get(s.donor.id),
                    )
                    for s in suggested.get(line.id, [])[:suggestions]
                ],
                len(suggested.get(line.id, [])) > suggestions,
            )
            for line in lines.get(request.id, [])
        ]
        views.append(RequestView(request, notes[request.id], requester, line_views))
    return views
