"""Domain errors as GraphQL types: the one place where the error tree meets the schema.

Expected failures of a mutation are members of its result union. Failures of a query
(bad cursor, out-of-range page size) are GraphQL errors carrying ``extensions.code`` and
``extensions.field``; anything else is masked by ``MaskErrors``.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from exchange import errors
from exchange.allocations.errors import AllocationTravels as AllocationTravelsError
from exchange.shipments import errors as shipment_errors
from exchange.shipments.models import ShipmentState
from exchange.shipments.workflow import Action


@strawberry.type(description="One invalid input field.")
class FieldError:
    field: str
    code: str
    message: str


@strawberry.type(description="The input was rejected; nothing was written.")
class ValidationError:
    message: str
    fields: list[FieldError]


@strawberry.type(description="The policy does not allow this action; nothing was written.")
class PermissionDenied:
    message: str
    action: str
    reason: str = strawberry.field(
        default="", description="Who may take the action, or the condition that holds it back."
    )


@strawberry.type(description="The entity does not exist, or is not visible to you.")
class NotFound:
    message: str
    entity: str
    id: strawberry.ID


@strawberry.type(description="The input clashes with existing state; nothing was written.")
class Conflict:
    message: str
    existing_id: strawberry.ID | None


@strawberry.type(description="The credentials were not accepted.")
class AuthenticationFailed:
    message: str
    field: str


@strawberry.type(description="Too many failed attempts; retry after the given seconds.")
class RateLimited:
    message: str
    retry_after_seconds: int


@strawberry.type(description="An allocation asks more than is left; nothing was written.")
class InsufficientQuantity:
    message: str
    line: str = strawberry.field(description="Which side ran short: offer or request.")
    line_id: strawberry.ID
    available: int


ShipmentStateEnum = strawberry.enum(ShipmentState, name="ShipmentState")
ShipmentActionEnum = strawberry.enum(Action, name="ShipmentAction")


@strawberry.type(description="The action cannot be taken in the shipment's current state.")
class IllegalTransition:
    message: str
    state: ShipmentState
    allowed_actions: list[Action]
    shipment_id: strawberry.ID


@strawberry.type(
    description=(
        "The allocation travels in a shipment that was neither cancelled nor lost, so it is"
        " frozen; nothing was written. `ways` are the shipment actions that free it."
    )
)
class AllocationTravels:
    message: str
    allocation_id: strawberry.ID
    shipment_id: strawberry.ID
    shipment_state: ShipmentState
    ways: list[Action]


ErrorType = (
    ValidationError
    | PermissionDenied
    | NotFound
    | Conflict
    | AuthenticationFailed
    | InsufficientQuantity
    | IllegalTransition
    | AllocationTravels
    | RateLimited
)


def not_in_union(error: errors.ExchangeError) -> TypeError:
    """What a mutation raises for a domain error its result union does not name: masked
    as an unexpected error and logged (``should_mask``), never answered as the wrong type."""
    return TypeError(f"{type(error).__name__} is not an error of this mutation")


def to_graphql(error: errors.ExchangeError) -> ErrorType:
    """The schema type of a domain error (used to build mutation results)."""
    if isinstance(error, errors.ValidationFailed):
        fields = [FieldError(field=e.field, code=e.code, message=e.message) for e in error.errors]
        return ValidationError(message=error.message, fields=fields)
    if isinstance(error, errors.PermissionDenied):
        return PermissionDenied(message=error.message, action=error.action, reason=error.reason)
    if isinstance(error, errors.NotFound):
        return NotFound(
            message=error.message, entity=error.entity, id=strawberry.ID(error.entity_id)
        )
    if isinstance(error, errors.InsufficientQuantity):
        return InsufficientQuantity(
            message=error.message,
            line=error.line,
            line_id=strawberry.ID(str(error.existing_id)),
            available=error.available,
        )
    if isinstance(error, shipment_errors.IllegalTransition):
        return IllegalTransition(
            message=error.message,
            state=ShipmentState(error.state),
            allowed_actions=[Action(a) for a in error.allowed],
            shipment_id=strawberry.ID(str(error.existing_id)),
        )
    if isinstance(error, AllocationTravelsError):
        return AllocationTravels(
            message=error.message,
            allocation_id=strawberry.ID(error.allocation_id),
            shipment_id=strawberry.ID(error.shipment_id),
            shipment_state=ShipmentState(error.shipment_state),
            ways=[Action(w) for w in error.ways],
        )
    if isinstance(error, errors.Conflict):
        existing = None if error.existing_id is None else strawberry.ID(error.existing_id)
        return Conflict(message=error.message, existing_id=existing)
    if isinstance(error, errors.Unauthenticated):
        return AuthenticationFailed(message=error.message, field=error.field)
    if isinstance(error, errors.RateLimited):
        return RateLimited(message=error.message, retry_after_seconds=error.retry_after_seconds)
    raise TypeError(f"unmapped domain error {type(error).__name__}")  # pragma: no cover


class DomainGraphQLError(GraphQLError):
    """A domain error raised from a query resolver, shown to the client as it is."""


def query_error(error: errors.ExchangeError) -> DomainGraphQLError:
    extensions: dict[str, Any] = {"code": error.code}
    if isinstance(error, errors.ValidationFailed):
        extensions["fields"] = [
            {"field": e.field, "code": e.code, "message": e.message} for e in error.errors
        ]
    return DomainGraphQLError(error.message, extensions=extensions)


def should_mask(error: GraphQLError) -> bool:
    """Mask everything except domain errors and the query's own validation errors."""
    original = error.original_error
    if original is None:
        return False  # parse and validation errors, produced by graphql-core itself
    return not isinstance(original, GraphQLError | errors.ExchangeError | errors.Unavailable)
