"""How an operation's errors reach the log and the HTTP status.

Client errors (parse and validation errors, refused limits, domain errors raised by query
resolvers, e.g. ``first: 0``) are logged at INFO in one line; unexpected errors are logged
once, with their traceback, by the masking extension in ``schema.py``. An operation that
met an unreachable database answers 503 with ``Retry-After`` and one ``UNAVAILABLE`` error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import strawberry
from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from exchange.errors import ExchangeError, Unavailable

log = logging.getLogger("exchange.api")


def is_client_error(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, GraphQLError | ExchangeError)


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if isinstance(error.original_error, Unavailable):
                log.warning("database unavailable: %r", error.original_error.__cause__)
            elif is_client_error(error):
                path = ".".join(str(p) for p in error.path or ()) or "-"
                log.info("client error at %s: %s", path, error.message.replace("\n", " "))
            # anything else is logged with its traceback where it is masked


class UnavailableAsStatus(SchemaExtension):
    """503 + ``Retry-After`` when any resolver found the database unreachable."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if not isinstance(result, ExecutionResult) or not result.errors:
            return
        found = next(
            (e.original_error for e in result.errors if isinstance(e.original_error, Unavailable)),
            None,
        )
        if found is None:
            return
        result.data = None
        result.errors = [GraphQLError(found.message, extensions={"code": "UNAVAILABLE"})]
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 503
            response.headers["Retry-After"] = str(found.retry_after_seconds)
