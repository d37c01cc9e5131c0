"""The schema: queries and mutations of every noun, and the protective extensions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaskErrors, SchemaExtension
from strawberry.schema.config import StrawberryConfig

from exchange.api.allocations import AllocationMutation, AllocationQuery
from exchange.api.catalogue import CatalogueMutation, CatalogueQuery
from exchange.api.errors import should_mask
from exchange.api.execution import LeafFastExecution, slim_resolvers
from exchange.api.faults import Schema, UnavailableAsStatus
from exchange.api.guard import extension as guard
from exchange.api.guard.measure import Limits
from exchange.api.identity import IdentityMutation, IdentityQuery
from exchange.api.inputs import guard as guard_inputs
from exchange.api.objects import BYTE_COUNT, ByteCount, ObjectMutation, ObjectQuery
from exchange.api.offers import OfferMutation, OfferQuery
from exchange.api.partners import PartnerMutation, PartnerQuery
from exchange.api.reads import UnsharedMutations
from exchange.api.resource_requests import RequestMutation, RequestQuery
from exchange.api.scalars import DATE_TIME
from exchange.api.seminars import SeminarMutation, SeminarQuery
from exchange.api.shipments import ShipmentMutation, ShipmentQuery
from exchange.api.sync import SyncQuery
from exchange.settings import Settings

log = logging.getLogger("exchange.api")


@strawberry.type
class Query(
    PartnerQuery,
    IdentityQuery,
    CatalogueQuery,
    SeminarQuery,
    ObjectQuery,
    OfferQuery,
    RequestQuery,
    AllocationQuery,
    ShipmentQuery,
    SyncQuery,
):
    pass


@strawberry.type
class Mutation(
    PartnerMutation,
    IdentityMutation,
    CatalogueMutation,
    SeminarMutation,
    ObjectMutation,
    OfferMutation,
    RequestMutation,
    AllocationMutation,
    ShipmentMutation,
):
    pass


class LoggedMaskErrors(MaskErrors):
    """Masks unexpected errors: the client sees a request id, the log the whole error."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message="unexpected error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(
            getattr(getattr(context, "request", None), "state", None), "request_id", "-"
        )
        log.error(
            "request %s: unexpected error at %s",
            request_id,
            error.path,
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "internal", "requestId": request_id}
        return masked


def build(settings: Settings) -> Schema:
    """Extensions are passed as classes or factories, so every request gets its own."""
    limits = Limits(settings.max_query_depth, settings.max_aliases, settings.max_cost)
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        guard.factory(limits, settings.max_tokens),  # parse, limits, validation: off the loop
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    extensions.append(UnsharedMutations)  # a mutation's reads see what it wrote
    extensions.append(LoggedMaskErrors)  # after the others, so it sees every error
    extensions.append(UnavailableAsStatus)  # leaves first: sees the unmasked errors
    config = StrawberryConfig(scalar_map={ByteCount: BYTE_COUNT, datetime: DATE_TIME})
    guard_inputs(Query, Mutation)  # every argument passes the domain's text and instant rules
    schema = Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=config,
        execution_context_class=LeafFastExecution,  # attribute leaves without the detour
    )
    slim_resolvers(schema)  # resolvers taking only info, without the detour
    return schema
