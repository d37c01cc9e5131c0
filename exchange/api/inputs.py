"""Every argument of every root field passes the domain's text and instant rules.

``InputBoundary`` is attached to each field of ``Query`` and ``Mutation`` when the schema is
built (``guard``). Before the resolver runs it walks the converted arguments — strings,
lists, input objects, instants — applies ``exchange.text`` (forbidden characters refused,
NFC, length bounded) and ``exchange.periods`` (instants in a storable range), and hands the
resolver the normalised values. A refusal is the field's ``ValidationError`` result when its
union has one, otherwise a GraphQL error with ``extensions.code = "validation_failed"``;
fields are named by their GraphQL path (``titles[0].value``, ``filter.search``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from graphql import GraphQLUnionType, get_named_type
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from exchange import periods, text
from exchange.api.errors import query_error, to_graphql
from exchange.errors import FieldError, ValidationFailed

# Passwords are checked for forbidden characters but never normalised: an account whose
# password was set before NFC was applied must still be able to sign in with it.
_VERBATIM = frozenset({"password"})


def _walk(value: Any, path: str, name: str, errors: list[FieldError]) -> Any:
    if isinstance(value, str):
        normal, found = text.problems(value, path, normalise=name not in _VERBATIM)
        errors.extend(found)
        return normal
    if isinstance(value, list):
        return [_walk(item, f"{path}[{index}]", name, errors) for index, item in enumerate(value)]
    if isinstance(value, datetime):
        problem = periods.instant_problem(value, path)
        if problem is not None:
            errors.append(problem)
        return value
    definition = getattr(type(value), "__strawberry_definition__", None)
    if definition is not None and definition.is_input:
        for field in definition.fields:
            graphql_name = field.graphql_name or to_camel_case(field.python_name)
            current = getattr(value, field.python_name)
            walked = _walk(current, f"{path}.{graphql_name}", field.python_name, errors)
            if walked is not current:
                setattr(value, field.python_name, walked)
    return value


def _checked(kwargs: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    checked = {}
    for key, value in kwargs.items():
        # An ``input`` argument is the whole input: its fields are named as the domain names
        # them (``titles[0].value``), without the argument's name in front.
        path = "" if key == "input" else to_camel_case(key)
        checked[key] = _walk(value, path, key, errors)
    return checked, [FieldError(e.field.removeprefix("."), e.code, e.message) for e in errors]


def _refusal(info: Info, errors: list[FieldError]) -> Any:
    failure = ValidationFailed(errors)
    returned = get_named_type(info._raw_info.return_type)
    if isinstance(returned, GraphQLUnionType) and any(
        member.name == "ValidationError" for member in returned.types
    ):
        return to_graphql(failure)
    raise query_error(failure)


class InputBoundary(FieldExtension):
    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        checked, errors = _checked(kwargs)
        if errors:
            return _refusal(info, errors)
        return next_(source, info, **checked)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        checked, errors = _checked(kwargs)
        if errors:
            return _refusal(info, errors)
        return await next_(source, info, **checked)


def guard(*roots: type) -> None:
    """Attach ``InputBoundary`` to every field of ``roots`` that takes arguments (before the
    schema is built from them)."""
    for root in roots:
        definition = getattr(root, "__strawberry_definition__")  # noqa: B009
        for field in definition.fields:
            if field.arguments and not any(isinstance(e, InputBoundary) for e in field.extensions):
                field.extensions.append(InputBoundary())
