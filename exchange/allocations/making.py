"""Making an allocation: judged from both sides, then written in one statement.

``allocate`` reads the sides, asks the policy, checks the states and writes with
``ledger``: on PostgreSQL, when the caller allocates ``alone`` and the request's state
cannot change, one statement that is its own transaction (``ledger.take_at_once``);
otherwise in the unit of work's transaction, which refreshes the request's state.
"""

from __future__ import annotations

import uuid
from typing import Any

from exchange import clock
from exchange.allocations import ledger, visible
from exchange.allocations import quantity as quantities
from exchange.allocations import sides as sides_of
from exchange.allocations.models import Allocation, AllocationState
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, InsufficientQuantity, ValidationFailed
from exchange.identity.identity import Identity
from exchange.ids import uuid7
from exchange.messages import N_
from exchange.offers.models import OfferLine, OfferState
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine, RequestState


async def allocate(
    identity: Identity,
    offer_line_id: uuid.UUID,
    request_line_id: uuid.UUID,
    quantity: int,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
    alone: bool = False,
) -> Allocation:
    """Promise ``quantity`` of an offer line to a request line (coordinators; or a
    librarian of the requesting partner claiming for its own request).

    ``alone``: the caller has written nothing in ``uow`` and commits it right after, so
    the allocation may commit by itself. Then, on PostgreSQL, an allocation that cannot
    change its request's state is first tried as one statement that is its own
    transaction (``ledger.take_at_once``). Otherwise, or when that wrote nothing, it is
    made in ``uow``'s transaction, which refreshes the request's state and raises the
    refusal: ``NotFound``, ``Forbidden``, ``Conflict``, ``ValidationFailed``,
    ``InsufficientQuantity``."""
    quantities.require_valid(quantity)
    lines = (offer_line_id, request_line_id)
    if alone and (made := await _at_once(identity, lines, quantity, uow, policy)) is not None:
        return made
    session = uow.session
    sides = await sides_of.read(session, offer_line_id, request_line_id)
    allocation, values, staged = await _judged(identity, sides, lines, quantity, uow, policy)
    offer, moved = await ledger.take(session, values, staged)
    if offer is None:
        raise InsufficientQuantity(
            "offer", offer_line_id, await ledger.available(session, OfferLine, offer_line_id)
        )
    if moved is None:
        raise InsufficientQuantity(
            "request",
            request_line_id,
            await ledger.available(session, RequestLine, request_line_id),
        )
    if ledger.crossed(moved, quantity):
        await requests.refresh_state(session, sides.request_id)
    return allocation


async def _at_once(
    identity: Identity,
    lines: tuple[uuid.UUID, uuid.UUID],
    quantity: int,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Allocation | None:
    """The allocation made by one statement committing by itself, or None when it wrote
    nothing: not PostgreSQL, ``uow`` already holds changes, a line is missing, the
    request's state would change, or a line refused. Raises what ``_judged`` raises."""
    async with uow.autocommitting() as connection:
        if connection is None:
            return None
        sides = await sides_of.read_unlocked(connection, *lines)
        if sides is None or not ledger.at_once(
            sides.request_allocated, sides.request_quantity, quantity
        ):
            return None
        allocation, values, staged = await _judged(identity, sides, lines, quantity, uow, policy)
        assert staged is not None  # PostgreSQL stages it (UnitOfWork.record_early)
        taken = await ledger.take_at_once(
            connection, values, staged, sides.offer_id, sides.request_id
        )
        return allocation if taken else None


async def _judged(
    identity: Identity,
    sides: sides_of.Sides,
    lines: tuple[uuid.UUID, uuid.UUID],
    quantity: int,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> tuple[Allocation, dict[str, Any], dict[str, Any] | None]:
    """The allocation between ``lines`` (offer line, request line), its column values and
    its staged audit record (``record_early``: None on SQLite), once the identity may
    allocate between ``sides`` and their states allow it; ``Forbidden``, ``Conflict`` or
    ``ValidationFailed`` otherwise."""
    policy.require(identity, "allocation.create", visible.resource(sides.donor, sides.requester))
    if sides.offer_state is not OfferState.OPEN:
        raise Conflict(
            N_("the offer is {offer_state}", offer_state=sides.offer_state.value), sides.offer_id
        )
    if sides.request_state not in (RequestState.OPEN.value, RequestState.PARTIALLY_FILLED.value):
        raise Conflict(
            N_("the request is {request_state}", request_state=sides.request_state),
            sides.request_id,
        )
    if sides.donor.id == sides.requester.id:
        raise Conflict("a partner cannot allocate its own offer to itself", sides.offer_id)
    if sides.request_work_id is not None and sides.request_work_id != sides.offer_work_id:
        raise ValidationFailed.single(
            "offerLineId", "work_mismatch", "the request line asks for another work"
        )
    values: dict[str, Any] = {
        "id": uuid7(),
        "offer_line_id": lines[0],
        "request_line_id": lines[1],
        "quantity": quantity,
        "state": AllocationState.ACTIVE.value,
        "created_by": identity.label,
        "created_at": clock.now(),
        "ended_at": None,
    }
    allocation = Allocation(**values)
    # judged (its offer's owner was read with the sides) and staged before the lines are
    # locked: after them, only the commit
    staged = await uow.record_early(
        AuditRecord(
            identity.label,
            "allocation.create",
            "allocation",
            str(allocation.id),
            None,
            allocation.snapshot(),
        ),
        {str(lines[0]): sides.offer_owner},
    )
    return allocation, values, staged
