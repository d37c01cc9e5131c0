"""graphql-core's executor, with a short path for fields that are an attribute and a leaf.

Most fields of a page (an offer's ``id``, ``state``, ``expiresAt``; a line's ``quantity``)
have no resolver: Strawberry reads the attribute of the same name, and the value is a
scalar or an enum. graphql-core still makes a response path, builds a resolve info,
calls the resolver through two wrappers, asks whether the result is awaitable and
dispatches on the return type before it serializes — for ``offers(first: 50)`` with
partner, lines and works, 2,000 of the 2,300 fields, and most of the request's time
(``bench/graphql_vs_raw.py``).

``LeafFastExecution`` plans each selection set once per request (which of its fields
are such leaves) and answers those with the attribute serialized by the field's own
type, as graphql-core's ``complete_leaf_value`` does. Anything else takes graphql-core's
path unchanged: a field with a resolver, arguments or field extensions, a list or object
type, and every case that is an error there (null for a non-null type, a value the scalar
cannot serialize), so that errors, their paths and null propagation stay graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

# (attribute name, serialize, non-null) of a field that is an attribute and a leaf; None
# for any other field. Keyed by the field object, built once per schema.
Leaf = tuple[str, Callable[[Any], Any], bool] | None
_LEAVES: dict[int, tuple[GraphQLField, Leaf]] = {}
# A selection set's plan: each response name with its field group and its leaf, if any.
Plan = list[tuple[str, Any, Leaf]]


def _leaf(field: GraphQLField) -> Leaf:
    known = _LEAVES.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    leaf: Leaf = None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    named = get_nullable_type(field.type)
    if (
        definition is not None
        and getattr(field.resolve, "_is_default", False)  # Strawberry's attribute read
        and getattr(definition, "default_resolver", None) is getattr
        and not field.args
        and is_leaf_type(named)
    ):
        serialize = named.serialize
        leaf = (definition.python_name, serialize, isinstance(field.type, GraphQLNonNull))
    _LEAVES[id(field)] = (field, leaf)
    return leaf


class LeafFastExecution(StrawberryGraphQLCoreExecutionContext):
    """See the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id of a grouped field set -> (the set, kept alive so its id is not reused; plan)
        self._plans: dict[int, tuple[Any, Plan]] = {}

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan:
        known = self._plans.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        wrapped = self.middleware_manager is not None and self.middleware_manager.middlewares
        plan: Plan = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field = self.schema.get_field(parent_type, node.name.value)
            leaf = None if field is None or wrapped or node.arguments else _leaf(field)
            plan.append((response_name, field_details_list, leaf))
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``execute_fields`` (3.3), with the leaves of the plan answered
        in place; any doubt about a leaf's value sends it down graphql-core's path."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, leaf in self._plan(
                parent_type, grouped_field_set
            ):
                if leaf is not None:
                    name, serialize, non_null = leaf
                    value = getattr(source_value, name, Undefined)
                    if value is None:
                        if not non_null:
                            results[response_name] = None
                            continue
                    elif value is not Undefined:
                        try:
                            serialized = serialize(value)
                        except Exception:
                            serialized = None
                        if serialized is not Undefined and serialized is not None:
                            results[response_name] = serialized
                            continue
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(
                    parent_type, source_value, field_details_list, field_path, position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()
