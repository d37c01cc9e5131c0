"""A request's state after creation: kept in step with its lines' allocations
(``refresh_state``), or cancelled, releasing its active allocations."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.table import table
from exchange.db.types import UTCDateTime
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.requests.models import RequestLine, RequestState, ResourceRequest
from exchange.requests.service.reads import load, resource


def _state_refresher() -> tuple[SelectOfScalar[Any], sa.Update]:
    requests, lines = table(ResourceRequest), table(RequestLine)
    request_id = sa.bindparam("request_id", type_=requests.c.id.type)
    now = sa.bindparam("now", type_=UTCDateTime())
    of_request = sa.select(sa.literal(1)).where(lines.c.request_id == request_id)
    short = of_request.where(lines.c.allocated < lines.c.quantity).exists()
    started = of_request.where(lines.c.allocated > 0).exists()
    state = sa.case(
        (~short, RequestState.FILLED.value),
        (started, RequestState.PARTIALLY_FILLED.value),
        else_=RequestState.OPEN.value,
    )
    # NO KEY UPDATE: waits for another refresh, never for an allocator's KEY SHARE
    lock = select(requests.c.id).where(requests.c.id == request_id).with_for_update(key_share=True)
    update = (
        sa.update(requests)
        .where(requests.c.id == request_id)
        .where(requests.c.state != RequestState.CANCELLED.value)
        .values(
            state=state,
            updated_at=sa.case((requests.c.state != state, now), else_=requests.c.updated_at),
        )
        .returning(requests.c.state, requests.c.updated_at)
    )
    return lock, update


_LOCK_REQUEST, _REFRESH_STATE = _state_refresher()


async def refresh_state(session: AsyncSession, request_id: uuid.UUID) -> None:
    """Set open / partially_filled / filled from the lines' allocated quantities.

    The request row is locked first and the state computed by the next statement: on
    PostgreSQL (READ COMMITTED) that statement's snapshot is taken after the lock is
    granted, so it sees the lines of every allocator that refreshed this request before us.
    Computing it in the locking statement itself would read a snapshot from before the
    wait, and two allocators filling the request's last two lines could both see the other
    line short and leave it partially filled. (SQLite runs one writer at a time.)"""
    params = {"request_id": request_id, "now": clock.now()}
    await session.exec(_LOCK_REQUEST, params=params)
    row = (await session.exec(_REFRESH_STATE, params=params)).first()
    loaded = session.sync_session.identity_map.get(identity_key(ResourceRequest, request_id))
    if row is not None and loaded is not None:  # keep this session's copy in step, no reload
        set_committed_value(loaded, "state", row[0])
        set_committed_value(loaded, "updated_at", row[1])


async def cancel(
    identity: Identity, request_id: uuid.UUID, *, uow: UnitOfWork, policy: PolicyEngine
) -> ResourceRequest:
    """Cancel a request (its librarians); its active allocations are released."""
    from exchange.allocations import service as allocations

    request, partner = await load(uow.session, request_id, lock=True)
    policy.require(identity, "request.update", resource(request, partner))
    if request.state == RequestState.CANCELLED.value:
        raise Conflict("the request is already cancelled", request.id)
    before = request.snapshot()
    await allocations.end_all_for_request(identity, request.id, uow=uow)
    request.state = RequestState.CANCELLED.value
    request.updated_at = clock.now()
    uow.session.add(request)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label, "request.cancel", "request", str(request.id), before, request.snapshot()
        )
    )
    return request
