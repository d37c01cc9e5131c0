"""The schema extension that keeps parsing and validation off the event loop and bounded.

Order of work for a request's document:

1. parse: a text longer than ``CHARS_PER_TOKEN`` characters per allowed token is refused
   unread (lexing costs ~0.2 µs a character: 1 MiB of whitespace takes 0.2 s, while the
   2,000 tokens a query may have fit in far fewer); texts are remembered, a new one is
   parsed in a worker thread with graphql-core's token limit;
2. ``measure.check``: depth, aliases, directives and cost in one linear pass, on the loop
   (about a millisecond for the largest document the token limit lets through);
3. graphql-core's validation: remembered by document, a new one validated in a worker
   thread (its overlapping-fields rule is quadratic in repeated fields).

The loop therefore holds the interpreter for a few milliseconds at most per request; a
worker thread gives it back every ``sys.getswitchinterval()`` (5 ms).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Generic, TypeVar

from anyio import to_thread
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from exchange.api.guard.measure import Limits, Refused, check

CHARS_PER_TOKEN = 16  # 2,000 tokens: 32,000 characters, lexed in ~7 ms
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A bounded memo used from the event loop only (no lock needed)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class _Failed:
    """A remembered parse failure."""

    def __init__(self, error: GraphQLError) -> None:
        self.error = error


PARSED: Lru[tuple[str, int], DocumentNode | _Failed] = Lru(512)
VALIDATED: Lru[tuple[GraphQLSchema, tuple[type, ...], DocumentNode], list[GraphQLError]] = Lru(512)


def _parse(query: str, max_tokens: int) -> DocumentNode | _Failed:
    try:
        return parse(query, max_tokens=max_tokens)
    except GraphQLError as error:
        return _Failed(error)


# The words of the GraphQL spec (§6.1 GetOperation) and of graphql-core.
MULTIPLE_OPERATIONS = "Must provide operation name if query contains multiple operations."


def _unnamed_choice(ctx: ExecutionContext, document: DocumentNode) -> bool:
    """Whether the document has several operations and the request named none: Strawberry
    would run the first (its ``operation_name`` falls back to the first operation's name
    before graphql-core, which refuses this, sees the request)."""
    if getattr(ctx, "_provided_operation_name", None) is not None:
        return False
    operations = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return next(operations, None) is not None and next(operations, None) is not None


class QueryGuard(SchemaExtension):
    """Parses, checks ``limits`` and validates, as described in the module docstring."""

    def __init__(self, limits: Limits, max_tokens: int) -> None:
        super().__init__()
        self.limits = limits
        self.max_tokens = max_tokens

    async def on_parse(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.query is not None and ctx.graphql_document is None:
            if len(ctx.query) > self.max_tokens * CHARS_PER_TOKEN:
                limit = self.max_tokens * CHARS_PER_TOKEN
                message = f"the query is over {limit} characters"
                raise GraphQLError(message, extensions={"code": "QUERY_TOO_LARGE"})
            key = (ctx.query, self.max_tokens)
            parsed = PARSED.get(key)
            if parsed is None:
                parsed = await to_thread.run_sync(_parse, ctx.query, self.max_tokens)
                PARSED.put(key, parsed)
            if isinstance(parsed, _Failed):  # a fresh error: a shared one would grow its traceback
                failed = parsed.error
                raise GraphQLError(failed.message, source=failed.source, positions=failed.positions)
            ctx.graphql_document = parsed
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        assert document is not None
        if _unnamed_choice(ctx, document):
            ctx.pre_execution_errors = [
                GraphQLError(MULTIPLE_OPERATIONS, extensions={"code": "OPERATION_NAME_REQUIRED"})
            ]
            yield
            return
        try:
            check(ctx.schema._schema, document, ctx.variables, self.limits)
        except Refused as refused:
            ctx.pre_execution_errors = [
                GraphQLError(refused.message, extensions={"code": refused.code})
            ]
            yield
            return
        schema, rules = ctx.schema._schema, ctx.validation_rules
        key = (schema, rules, document)
        errors = VALIDATED.get(key)
        if errors is None:
            errors = await to_thread.run_sync(validate_document, schema, document, rules)
            VALIDATED.put(key, errors)
        ctx.pre_execution_errors = errors
        yield


def factory(limits: Limits, max_tokens: int) -> Callable[[], QueryGuard]:
    """A fresh extension per request (Strawberry calls this)."""
    return lambda: QueryGuard(limits, max_tokens)
