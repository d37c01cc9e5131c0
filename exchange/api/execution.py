"""graphql-core's executor, with a short path for fields that are an attribute and a leaf.

Most fields of a page (an offer's ``id``, ``state``, ``expiresAt``; a line's ``quantity``)
have no resolver: Strawberry reads the attribute of the same name, and the value is a
scalar or an enum. graphql-core still builds a resolve info for each, calls the resolver
through two wrappers, asks whether the result is awaitable and dispatches on the return
type before it serializes — for ``offers(first: 50)`` with partner, lines and works, 2,000
of the 2,300 fields, and most of the request's time (``bench/graphql_vs_raw.py``).

``LeafFastExecution`` answers those fields with the attribute serialized by the field's
own type, as graphql-core's ``complete_leaf_value`` does. Anything else takes graphql-core's
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
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

# (attribute name, serialize, non-null) of a field that is an attribute and a leaf; None
# for any other field. Keyed by the field object, built once per schema.
Leaf = tuple[str, Callable[[Any], Any], bool] | None
_LEAVES: dict[int, tuple[GraphQLField, Leaf]] = {}


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

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = self.schema.get_field(parent_type, node.name.value)
        middleware = self.middleware_manager
        wrapped = middleware is not None and middleware.middlewares  # none of ours
        leaf = None if field is None or wrapped else _leaf(field)
        if leaf is not None and not node.arguments:
            name, serialize, non_null = leaf
            value = getattr(source, name, Undefined)
            if value is None and not non_null:
                return None
            if value is not None and value is not Undefined:
                try:
                    serialized = serialize(value)
                except Exception:
                    serialized = Undefined
                if serialized is not Undefined and serialized is not None:
                    return serialized
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
