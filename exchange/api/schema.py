"""The schema: queries and mutations of every noun, and the protective extensions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from exchange.api.allocations import AllocationMutation, AllocationQuery
from exchange.api.catalogue import CatalogueMutation, CatalogueQuery
from exchange.api.errors import should_mask
from exchange.api.identity import IdentityMutation, IdentityQuery
from exchange.api.objects import BYTE_COUNT, ByteCount, ObjectMutation, ObjectQuery
from exchange.api.offers import OfferMutation, OfferQuery
from exchange.api.partners import PartnerMutation, PartnerQuery
from exchange.api.resource_requests import RequestMutation, RequestQuery
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
        super().__init__(should_mask_error=should_mask, error_message="Unexpected error.")

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


def build(settings: Settings) -> strawberry.Schema:
    """Extensions are passed as classes or factories, so every request gets its own."""
    # The limiters' rule classes are made once here, so that the validation cache (keyed by
    # document and rules) hits across requests; each request still gets fresh extensions.
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        functools.partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        functools.partial(AddValidationRules, limits),
        # parsing and validation cost ~4 ms a request; both depend only on the document
        functools.partial(ParserCache, maxsize=512),
        functools.partial(ValidationCache, maxsize=512),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    extensions.append(LoggedMaskErrors)  # last, so it sees every error
    config = StrawberryConfig(scalar_map={ByteCount: BYTE_COUNT})
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions, config=config)
