"""The shipment state machine, as data.

``TRANSITIONS`` is the whole machine: each row says which action moves a shipment from
which states to which state, which Cedar action authorizes it, and the guard that must
hold. An action may have several rows (``pack`` goes to ``awaiting_approval`` when the
destination is under review, to ``packed`` otherwise); the first row whose source states
and guard match is taken. Nothing else in the package decides a shipment's next state.

    pack             draft → awaiting_approval (destination tagged review-destination)
    pack             draft → packed (otherwise)
    approve          awaiting_approval → approved            (coordinators)
    dispatch         packed | approved → dispatched          (signs the manifest)
    mark_in_transit  dispatched → in_transit
    mark_delivered   dispatched | in_transit → delivered
    receive          delivered → received | received_with_discrepancy (countersigns)
    cancel           any state before dispatch → cancelled
    lose             dispatched | in_transit → lost
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from exchange.shipments.errors import IllegalTransition
from exchange.shipments.models import ShipmentState

S = ShipmentState
REVIEW_TAG = "review-destination"


class Action(StrEnum):
    PACK = "pack"
    APPROVE = "approve"
    DISPATCH = "dispatch"
    MARK_IN_TRANSIT = "mark_in_transit"
    MARK_DELIVERED = "mark_delivered"
    RECEIVE = "receive"
    CANCEL = "cancel"
    LOSE = "lose"


@dataclass(frozen=True, slots=True)
class Facts:
    """What guards look at. ``discrepant`` is None when the input is not known yet (when
    listing the actions a user could take)."""

    held: bool  # the destination partner is flagged for review
    discrepant: bool | None = None


Guard = Callable[[Facts], bool]


def always(_facts: Facts) -> bool:
    return True


def held(facts: Facts) -> bool:
    return facts.held


def not_held(facts: Facts) -> bool:
    return not facts.held


def complete(facts: Facts) -> bool:
    return facts.discrepant is not True


def discrepant(facts: Facts) -> bool:
    return facts.discrepant is not False


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[ShipmentState]
    target: ShipmentState
    permission: str  # the Cedar action that authorizes it
    guard: Guard = always


def _row(
    action: Action,
    sources: tuple[ShipmentState, ...],
    target: ShipmentState,
    permission: str,
    guard: Guard = always,
) -> Transition:
    return Transition(action, frozenset(sources), target, permission, guard)


BEFORE_DISPATCH = (S.DRAFT, S.PACKED, S.AWAITING_APPROVAL, S.APPROVED)
MOVING = (S.DISPATCHED, S.IN_TRANSIT)

TRANSITIONS: tuple[Transition, ...] = (
    _row(Action.PACK, (S.DRAFT,), S.AWAITING_APPROVAL, "shipment.pack", held),
    _row(Action.PACK, (S.DRAFT,), S.PACKED, "shipment.pack", not_held),
    _row(Action.APPROVE, (S.AWAITING_APPROVAL,), S.APPROVED, "shipment.approve"),
    _row(Action.DISPATCH, (S.PACKED, S.APPROVED), S.DISPATCHED, "shipment.dispatch"),
    _row(Action.MARK_IN_TRANSIT, (S.DISPATCHED,), S.IN_TRANSIT, "shipment.track"),
    _row(Action.MARK_DELIVERED, MOVING, S.DELIVERED, "shipment.track"),
    _row(Action.RECEIVE, (S.DELIVERED,), S.RECEIVED, "shipment.receive", complete),
    _row(
        Action.RECEIVE,
        (S.DELIVERED,),
        S.RECEIVED_WITH_DISCREPANCY,
        "shipment.receive",
        discrepant,
    ),
    _row(Action.CANCEL, BEFORE_DISPATCH, S.CANCELLED, "shipment.cancel"),
    _row(Action.LOSE, MOVING, S.LOST, "shipment.lose"),
)


def always_may(_permission: str) -> bool:
    return True


def possible(state: ShipmentState, facts: Facts) -> tuple[Action, ...]:
    """Actions the table allows from ``state`` (before asking who may take them)."""
    seen: list[Action] = []
    for row in TRANSITIONS:
        if state in row.sources and row.guard(facts) and row.action not in seen:
            seen.append(row.action)
    return tuple(seen)


def next_step(
    action: Action,
    state: ShipmentState,
    facts: Facts,
    shipment_id: object,
    may: Callable[[str], bool] = always_may,
) -> Transition:
    """The row that ``action`` takes from ``state``, or ``IllegalTransition`` listing the
    actions the table allows from ``state`` whose permission ``may`` grants (the caller's
    own choices, not every party's)."""
    for row in TRANSITIONS:
        if row.action is action and state in row.sources and row.guard(facts):
            return row
    choices = possible(state, Facts(facts.held))
    allowed = tuple(a.value for a in choices if may(permission_of(a)))
    raise IllegalTransition(action.value, state.value, allowed, shipment_id)


def permission_of(action: Action) -> str:
    return next(row.permission for row in TRANSITIONS if row.action is action)
