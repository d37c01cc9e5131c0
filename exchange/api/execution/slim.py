"""Resolvers that are a method taking only ``info``, called directly instead of through
Strawberry's layers (see the package)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


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
