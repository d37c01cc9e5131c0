"""The policy's view of a request and the reads: one request, a page of requests with their
requesters, the lines of requests already read."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.errors import NotFound
from exchange.identity.identity import Identity, Role
from exchange.pagination import Page, PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.requests.models import RequestLine, RequestState, ResourceRequest


@dataclass(frozen=True, slots=True)
class Seen:
    """A request as the identity may see it: ``note`` is None when it may not read the note
    ("request.note.read": the requesting partner's librarians, coordinators, admins);
    ``requester`` is the requesting partner, read with it (whether the identity may read
    the partner itself is ``partners.readable``'s to say)."""

    request: ResourceRequest
    note: str | None
    requester: Partner


@dataclass(frozen=True, slots=True)
class RequestFilter:
    partner_id: uuid.UUID | None = None
    state: RequestState | None = None
    states: tuple[RequestState, ...] = ()  # any of these (with ``state``, all must hold)


def resource(request: ResourceRequest, partner: Partner) -> Resource:
    """The request's Cedar entity (``ResourceRequest``, with its ``partner`` and ``state``),
    in its requesting partner's (``partner``, as ``partners.resource`` gives it)."""
    owner = partners.resource(partner)
    return Resource(
        "ResourceRequest",
        str(request.id),
        {"partner": owner.ref, "state": request.state},
        related=tuple(owner.entities()),
        parents=(owner.uid,),
    )


async def load(
    session: AsyncSession, request_id: uuid.UUID, *, lock: bool = False
) -> tuple[ResourceRequest, Partner]:
    """The request ``request_id`` and its requesting partner (the request locked for update
    when ``lock``); ``NotFound`` when none. No permission is asked: that is the caller's."""
    statement = select(ResourceRequest).where(ResourceRequest.id == request_id)
    if lock:
        statement = statement.with_for_update()
    request = (await session.exec(statement)).first()
    if request is None:
        raise NotFound("request", request_id)
    partner = await session.get(Partner, request.partner_id)
    assert partner is not None
    return request, partner


async def get(
    identity: Identity, request_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Seen:
    """The request, or NotFound when it does not exist or the identity may not read it
    ("request.read": librarians of any partner, the requester's members, coordinators,
    admins)."""
    request, partner = await load(session, request_id)
    entity = resource(request, partner)
    if not policy.allowed(identity, "request.read", entity):
        raise NotFound("request", request_id)
    noted = policy.allowed(identity, "request.note.read", entity)
    return Seen(request, request.note if noted else None, partner)


async def list(
    identity: Identity,
    filters: RequestFilter,
    page: PageRequest,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> Page[Seen]:
    """The requests the identity may read (see ``get``), oldest first, each with its note
    when the identity may read that too, and its requester: one statement."""
    policy.require(identity, "request.list", PLATFORM)
    statement = select(ResourceRequest, Partner).join(
        Partner, col(Partner.id) == col(ResourceRequest.partner_id)
    )
    broad = identity.has_role(Role.ADMIN) or identity.has_role(Role.COORDINATOR)
    if not broad and not identity.partners_with(Role.LIBRARIAN):
        members = builtins.list(identity.partner_ids())
        if not members:
            return Page([], False)
        statement = statement.where(col(ResourceRequest.partner_id).in_(members))
    if filters.partner_id:
        statement = statement.where(ResourceRequest.partner_id == filters.partner_id)
    if filters.state:
        statement = statement.where(ResourceRequest.state == filters.state.value)
    if filters.states:
        wanted = [state.value for state in filters.states]
        statement = statement.where(col(ResourceRequest.state).in_(wanted))
    if page.after is not None:
        statement = statement.where(col(ResourceRequest.id) > page.after)
    statement = statement.order_by(col(ResourceRequest.id)).limit(page.first + 1)
    found = Page.from_rows(builtins.list((await session.exec(statement)).all()), page)
    entities = [resource(r, p) for r, p in found.items]
    readable = policy.allowed_many(identity, "request.read", entities)
    noted = policy.allowed_many(identity, "request.note.read", entities)
    seen = [
        Seen(r, r.note if note else None, p)
        for (r, p), ok, note in zip(found.items, readable, noted, strict=True)
        if ok
    ]
    return Page(seen, found.has_next)


async def lines_of(
    request_ids: Iterable[uuid.UUID], *, session: AsyncSession
) -> dict[uuid.UUID, builtins.list[RequestLine]]:
    """The lines of requests the caller has already been allowed to read (for loaders)."""
    wanted = builtins.list(set(request_ids))
    result: dict[uuid.UUID, builtins.list[RequestLine]] = {i: [] for i in wanted}
    statement = (
        select(RequestLine)
        .where(col(RequestLine.request_id).in_(wanted))
        .order_by(col(RequestLine.id))
    )
    for line in (await session.exec(statement)).all():
        result[line.request_id].append(line)
    return result
