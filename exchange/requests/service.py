"""Requests: what a partner needs. Create (open, with lines), cancel, get, list.

A cancelled request releases its active allocations, returning their quantities.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, text
from exchange.audit.chain import AuditRecord
from exchange.catalogue import validation as catalogue_validation
from exchange.catalogue.models import Work, WorkKind, WorkLevel
from exchange.db.table import table
from exchange.db.types import UTCDateTime
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, FieldError, NotFound, ValidationFailed
from exchange.identity.identity import Identity, Role
from exchange.messages import N_
from exchange.pagination import Page, PageRequest
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.requests.models import Priority, RequestLine, RequestState, ResourceRequest

MAX_QUANTITY = 100_000
MAX_LINES = 500


@dataclass(frozen=True, slots=True)
class RequestLineDraft:
    quantity: int
    priority: Priority = Priority.NORMAL
    work_id: uuid.UUID | None = None
    subject: str | None = None
    language: str | None = None
    level: WorkLevel | None = None
    kind: WorkKind | None = None


@dataclass(frozen=True, slots=True)
class RequestDraft:
    partner_id: uuid.UUID | None  # default: the caller's own library
    lines: builtins.list[RequestLineDraft]
    note: str = ""


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
    statement = select(ResourceRequest).where(ResourceRequest.id == request_id)
    if lock:
        statement = statement.with_for_update()
    request = (await session.exec(statement)).first()
    if request is None:
        raise NotFound("request", request_id)
    partner = await session.get(Partner, request.partner_id)
    assert partner is not None
    return request, partner


def _validate(draft: RequestDraft) -> builtins.list[FieldError]:
    if len(draft.lines) > MAX_LINES:  # refused whole: nothing is done per line
        raise ValidationFailed.single(
            "lines", "too_many", N_("at most {max_lines} lines", max_lines=MAX_LINES)
        )
    errors: builtins.list[FieldError] = []
    if not draft.lines:
        errors.append(FieldError("lines", "required", "a request has at least one line"))
    for index, line in enumerate(draft.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(
                FieldError(
                    f"lines[{index}].quantity",
                    "out_of_range",
                    N_("between 1 and {max_quantity}", max_quantity=MAX_QUANTITY),
                )
            )
        described = any(v is not None for v in (line.subject, line.language, line.level, line.kind))
        if line.work_id is None and not described:
            errors.append(
                FieldError(f"lines[{index}]", "required", "name a work or describe the need")
            )
        if line.subject is not None:
            text.check(line.subject, f"lines[{index}].subject", errors, limit=200)
        if line.subject is not None and not 1 <= len(line.subject.strip()) <= 200:
            errors.append(
                FieldError(f"lines[{index}].subject", "invalid", "a subject is 1 to 200 characters")
            )
        if line.language is not None and _language(line.language) is None:
            errors.append(
                FieldError(f"lines[{index}].language", "invalid_language", "an ISO 639 code")
            )
    text.check(draft.note, "note", errors, limit=text.MAX_NOTE)
    return errors


def _language(raw: str) -> str | None:
    """An ISO 639 code as the catalogue stores a work's language (two letters where ISO 639-1
    has them: ``kor`` -> ``ko``), so that a described need matches on it; None when ``raw``
    is not ISO 639."""
    if not (raw.isascii() and raw.isalpha() and len(raw) in (2, 3)):
        return None
    problems: builtins.list[FieldError] = []
    code = catalogue_validation.language(raw, problems)
    return None if problems else code


async def create(
    identity: Identity, draft: RequestDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> ResourceRequest:
    """Post an open request for the partner (its librarians)."""
    partner = await uow.session.get(Partner, identity.own_library(draft.partner_id))
    if partner is None:
        raise ValidationFailed.single("partnerId", "unknown_partner", "no such partner")
    policy.require(identity, "request.create", partners.resource(partner))
    errors = _validate(draft)
    work_ids = {line.work_id for line in draft.lines if line.work_id is not None}
    found = (
        set((await uow.session.exec(select(Work.id).where(col(Work.id).in_(work_ids)))).all())
        if work_ids
        else set()
    )
    errors += [
        FieldError(f"lines[{i}].workId", "unknown_work", "no such work")
        for i, line in enumerate(draft.lines)
        if line.work_id is not None and line.work_id not in found
    ]
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    request = ResourceRequest(
        partner_id=partner.id,
        state=RequestState.OPEN.value,
        note=draft.note.strip(),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(request)
    await uow.session.flush()
    lines = [
        RequestLine(
            request_id=request.id,
            work_id=line.work_id,
            subject=line.subject.strip() if line.subject else None,
            language=_language(line.language) if line.language else None,
            level=line.level.value if line.level else None,
            kind=line.kind.value if line.kind else None,
            quantity=line.quantity,
            priority=line.priority.value,
        )
        for line in draft.lines
    ]
    uow.session.add_all(lines)
    await uow.session.flush()
    summary = {
        **request.snapshot(),
        "lines": [[str(x.work_id) if x.work_id else x.subject, x.quantity] for x in lines],
    }
    uow.record(
        AuditRecord(identity.label, "request.create", "request", str(request.id), None, summary)
    )
    return request


def _state_refresher() -> tuple[sa.Select[tuple[uuid.UUID]], sa.Update]:
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
    lock = sa.select(requests.c.id).where(requests.c.id == request_id).with_for_update()
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
    await session.exec(_LOCK_REQUEST, params=params)  # type: ignore[call-overload]
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
