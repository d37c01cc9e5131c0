"""Which fields are an attribute and a leaf, and which object types a value may be completed
as directly: each worked out once per field or type and kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    get_nullable_type,
    is_leaf_type,
)
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

# (attribute name, serialize, non-null, type passed unchanged) of a field that is an
# attribute and a leaf; None for any other field. Keyed by the field object, built once
# per schema.
Leaf = tuple[str, Callable[[Any], Any], bool, type] | None
_LEAVES: dict[int, tuple[GraphQLField, Leaf]] = {}
# A selection set's plan: each response name with its field group and its leaf, if any.
Plan = list[tuple[str, Any, Leaf]]


class _Never:
    """The type of no value: a leaf whose values all go through its serialize."""


def serializer(named: GraphQLLeafType) -> tuple[Callable[[Any], Any], type]:
    """A leaf type's serialize, and the type of the values it returns unchanged (String
    and ID: a ``str``). An enum of Strawberry's is serialized by a table from each member
    to the name Strawberry's serialize gives it (that one compares the values of all the
    enum's members for each value); anything not a member (None from the table) takes
    the field's usual path."""
    if named is GraphQLString or named is GraphQLID:
        return named.serialize, str
    if named is GraphQLInt:  # an int in the 32 bits GraphQL's Int allows (checked in place)
        return named.serialize, int
    if named is GraphQLBoolean:
        return named.serialize, bool
    if isinstance(named, CustomGraphQLEnumType):
        names: dict[Any, str] = {}
        member: Any
        for member in named.wrapped_cls:
            found = (name for name, value in named.values.items() if member.value == value.value)
            first = next(found, None)
            if first is not None:
                names[member] = first
        return names.get, _Never
    return named.serialize, _Never


def leaf(field: GraphQLField) -> Leaf:
    """``field``'s leaf entry when it is an attribute read of a leaf type without
    arguments, else None; computed once per field object."""
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
        serialize, unchanged = serializer(named)
        non_null = isinstance(field.type, GraphQLNonNull)
        leaf = (definition.python_name, serialize, non_null, unchanged)
    _LEAVES[id(field)] = (field, leaf)
    return leaf


# id of an output type -> (the type, kept alive so its id is not reused; the object type
# that ``complete_value`` may complete directly, or None)
_OBJECTS: dict[int, tuple[GraphQLOutputType, GraphQLObjectType | None]] = {}


def object_type(return_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The object type a value of ``return_type`` (nullable or not) is completed as
    directly, when it has no ``is_type_of``; else None. Computed once per type."""
    known = _OBJECTS.get(id(return_type))
    if known is not None and known[0] is return_type:
        return known[1]
    named = get_nullable_type(return_type)
    direct = named if isinstance(named, GraphQLObjectType) and named.is_type_of is None else None
    _OBJECTS[id(return_type)] = (return_type, direct)
    return direct
