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

An object's value (a page's offers, each offer's partner, each line and its work: 400
objects for the page) goes from ``complete_value`` (and, as a list's item, from
``complete_list_item_value``) straight to its sub-selection when
graphql-core's steps in between would do nothing else (no ``is_type_of``, nothing
deferred or streamed); null, errors and every other type take graphql-core's path.

``slim_resolvers`` does the same for fields whose resolver is a method taking only
``info`` (an offer's ``partner`` and ``lines``, a line's ``work``: 250 calls for the page):
Strawberry calls those through six layers that convert no arguments, apply no extension
and handle no exception; the slim resolver calls the method with Strawberry's ``Info``
directly, and graphql-core completes the result as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, cast

import strawberry
from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# (attribute name, serialize, non-null, type passed unchanged) of a field that is an
# attribute and a leaf; None for any other field. Keyed by the field object, built once
# per schema.
Leaf = tuple[str, Callable[[Any], Any], bool, type] | None
_LEAVES: dict[int, tuple[GraphQLField, Leaf]] = {}
# A selection set's plan: each response name with its field group and its leaf, if any.
Plan = list[tuple[str, Any, Leaf]]


class _Never:
    """The type of no value: a leaf whose values all go through its serialize."""


def _serializer(named: GraphQLNamedType) -> tuple[Callable[[Any], Any], type]:
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
    return named.serialize, _Never  # type: ignore[attr-defined]


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
        serialize, unchanged = _serializer(named)
        non_null = isinstance(field.type, GraphQLNonNull)
        leaf = (definition.python_name, serialize, non_null, unchanged)
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
                    name, serialize, non_null, unchanged = leaf
                    value: Any = getattr(source_value, name, Undefined)
                    if type(value) is unchanged and (
                        unchanged is not int
                        or GRAPHQL_MIN_INT <= cast(int, value) <= GRAPHQL_MAX_INT
                    ):
                        results[response_name] = value
                        continue
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

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``complete_value``, with a value of an object type (nullable or
        not) sent straight to its sub-selection when graphql-core's own steps between
        (``complete_object_value``, ``collect_and_execute_subfields``,
        ``execute_collected_subfields``) would do nothing else: the type has no
        ``is_type_of``, the value is there, and nothing is deferred or streamed."""
        object_type = _object_type(return_type)
        if (
            object_type is not None
            and position_context is None
            and result is not None
            and result is not Undefined
            and not isinstance(result, Exception)
        ):
            grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(
                object_type, field_details_list
            )
            if not new_defer_usages:
                return self.execute_fields(object_type, result, path, grouped_field_set, None)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_list_item_value(
        self,
        item: Any,
        complete_results: list[Any],
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        item_path: Path,
        position_context: Any,
    ) -> bool:
        """graphql-core's ``complete_list_item_value``, with an item of an object type
        sent straight to its sub-selection as ``complete_value`` does (a page's offers,
        each offer's lines), its errors handled as graphql-core handles them there."""
        object_type = _object_type(item_type)
        if (
            object_type is None
            or position_context is not None
            or item is None
            or item is Undefined
            or isinstance(item, Exception)
        ):
            return super().complete_list_item_value(
                item,
                complete_results,
                item_type,
                field_details_list,
                info,
                item_path,
                position_context,
            )
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return super().complete_list_item_value(
                item,
                complete_results,
                item_type,
                field_details_list,
                info,
                item_path,
                position_context,
            )
        try:
            completed = self.execute_fields(object_type, item, item_path, grouped_field_set, None)
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            complete_results.append(None)
            return False
        if not self.is_awaitable(completed):
            complete_results.append(completed)
            return False

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                return None

        complete_results.append(await_completed())
        return True


# id of an output type -> (the type, kept alive so its id is not reused; the object type
# that ``complete_value`` may complete directly, or None)
_OBJECTS: dict[int, tuple[GraphQLOutputType, GraphQLObjectType | None]] = {}


def _object_type(return_type: GraphQLOutputType) -> GraphQLObjectType | None:
    known = _OBJECTS.get(id(return_type))
    if known is not None and known[0] is return_type:
        return known[1]
    named = get_nullable_type(return_type)
    direct = named if isinstance(named, GraphQLObjectType) and named.is_type_of is None else None
    _OBJECTS[id(return_type)] = (return_type, direct)
    return direct


def _slim(definition: object, info_class: type) -> Callable[[Any, Any], Any] | None:
    """The direct call of a field's resolver, when it is a method taking only ``info``
    and the field has no arguments, extensions or permission classes; else None."""
    if not isinstance(definition, StrawberryField):
        return None
    resolver = definition.base_resolver
    if (
        resolver is None
        or definition.arguments
        or definition.extensions
        or definition.permission_classes
        or definition.is_subscription
        or resolver.self_parameter is None
        or resolver.info_parameter is None
    ):
        return None
    method = resolver.wrapped_func
    if not inspect.isfunction(method):  # a staticmethod or classmethod: Strawberry's way
        return None
    parameters = list(inspect.signature(method).parameters.values())
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    if len(parameters) != 2 or any(p.kind is not positional for p in parameters):
        return None
    if parameters[1].name != resolver.info_parameter.name:
        return None

    def slim(source: Any, info: Any) -> Any:
        return method(source, info_class(_raw_info=info, _field=definition))

    return slim


def slim_resolvers(schema: strawberry.Schema) -> None:
    """Replaces the resolvers that ``_slim`` accepts in ``schema``'s graphql-core schema
    (once, when the schema is built). Nothing is replaced when Strawberry is configured to
    turn exceptions into results (its exception handlers), which the slim call skips."""
    if getattr(schema.schema_converter, "_exception_handler_specs", True):
        return
    info_class = schema.config.info_class
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            slim = _slim(definition, info_class)
            if slim is not None:
                field.resolve = slim
