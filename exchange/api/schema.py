"""The schema: queries and mutations of every noun, and the protective extensions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from exchange.api.errors import should_mask
from exchange.api.identity import IdentityMutation, IdentityQuery
from exchange.api.partners import PartnerMutation, PartnerQuery
from exchange.settings import Settings

log = logging.getLogger("exchange.api")


@strawberry.type
class Query(PartnerQuery, IdentityQuery):
    pass


@strawberry.type
class Mutation(PartnerMutation, IdentityMutation):
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
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        functools.partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
        functools.partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
        functools.partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    extensions.append(LoggedMaskErrors)  # last, so it sees every error
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
