"""What a query document would cost, measured in one pass over it (O(size of the document)).

Fragments are measured once each and remembered, so a fragment spread twice by each of 30
fragments costs 30 measurements, not 2**30 walks (the depth and alias limiters of Strawberry
walk every spread again: 15.8 s for 21 such fragments). A spread of a fragment that is
still being measured is a cycle and is refused here (GraphQL spec §5.5.2.2 forbids them).

The cost of a selection set is the sum of its fields' costs; a field costs 1, plus its
sub-selection's cost times how many items it returns: for a list with a ``first`` argument,
or the ``edges``/``nodes`` of a connection with one, the page asked (a literal, a variable's
value, else the argument's default, else ``DEFAULT_PAGE``); ``LIST_FACTOR`` for other lists.
Introspection fields cost 1 each and add no depth: they read the schema, not the database.

Depth and aliases only grow as the walk adds selections, so the walk stops at the first
selection that passes them (600 aliases are refused after 31). Two shapes that make
graphql-core's validation quadratic are capped here: a response name selected more than
``MAX_DUPLICATE_FIELDS`` times, and more than ``MAX_SPREADS`` spreads, in one selection set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from exchange.pagination import DEFAULT_PAGE

LIST_FACTOR = 10  # a list without a page size: an estimate of its usual length
MAX_DUPLICATE_FIELDS = 10  # same response name in one selection set (validation is O(n^2) in it)
MAX_SPREADS = 30  # fragment spreads in one selection set (validation compares them in pairs)
MAX_FRAGMENT_CHAIN = 64  # fragments spreading fragments: bounds the walk's recursion


@dataclass(frozen=True, slots=True)
class Limits:
    """``max_depth`` levels of fields, ``max_aliases`` aliases after fragments are
    expanded, ``max_cost`` as defined above, ``max_directives`` in the document."""

    max_depth: int
    max_aliases: int
    max_cost: int
    max_directives: int = 50
    max_page: int = 100


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


class Refused(Exception):
    """The document exceeds a limit; ``code`` names which (``QUERY_TOO_DEEP`` ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _unwrap_list(kind: GraphQLType) -> bool:
    while isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.limits = limits
        self.max_page = limits.max_page
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.done: dict[tuple[str, int | None], Measure] = {}
        self.active: set[str] = set()

    def fragment(self, name: str, page: int | None) -> Measure:
        if (known := self.done.get((name, page))) is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None:
            return Measure()  # unknown fragment: graphql-core's validation names it
        if name in self.active:
            raise Refused("FRAGMENT_CYCLE", f"fragment {name} spreads itself")
        if len(self.active) >= MAX_FRAGMENT_CHAIN:
            raise Refused("QUERY_TOO_DEEP", f"fragments nest more than {MAX_FRAGMENT_CHAIN} deep")
        self.active.add(name)
        parent = self.schema.get_type(definition.type_condition.name.value)
        measure = self.selections(definition.selection_set, parent, page)
        self.active.discard(name)
        self.done[(name, page)] = measure
        return measure

    def page_size(self, node: FieldNode, field_args: Mapping[str, Any]) -> int:
        """The page a field with a ``first`` argument asks for."""
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, int(value.value))
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if given is None:
                    break  # null or missing: the argument's default
                return given if isinstance(given, int) and given >= 0 else self.max_page
            return self.max_page
        default = field_args["first"].default_value
        return default if isinstance(default, int) else DEFAULT_PAGE

    def field(self, node: FieldNode, parent: GraphQLType | None, page: int | None) -> Measure:
        """``page``: the page size of the connection this field belongs to, if any."""
        name = node.name.value
        alias = int(node.alias is not None)
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        introspective = name.startswith("__") or getattr(parent, "name", "").startswith("__")
        if node.selection_set is None:
            return Measure(0 if introspective else 1, alias, 1)
        if definition is None or introspective:
            # introspection (__schema, __type and everything below them; an unknown field is
            # refused by validation): it reads the schema, not the database, so it adds no
            # depth and no list multiplies — GraphiQL's own introspection query is 13 deep.
            # Its cost still counts, one per field, and the token limit bounds its size.
            inner_type = get_named_type(definition.type) if definition is not None else None
            inner = self.selections(node.selection_set, inner_type, None)
            return Measure(0, alias + inner.aliases, 1 + inner.cost)
        is_list = _unwrap_list(definition.type)
        own_page = self.page_size(node, definition.args) if "first" in definition.args else None
        if is_list:
            factor = own_page or page or LIST_FACTOR
            inner_page = None
        else:  # a connection: its edges and nodes lists carry the page
            factor, inner_page = 1, own_page
        inner = self.selections(node.selection_set, get_named_type(definition.type), inner_page)
        return Measure(1 + inner.depth, alias + inner.aliases, 1 + factor * inner.cost)

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLType | None, page: int | None
    ) -> Measure:
        depth = aliases = cost = spreads = 0
        seen: dict[str, int] = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > MAX_DUPLICATE_FIELDS:
                    raise Refused(
                        "QUERY_TOO_COMPLEX",
                        f"{key} is selected more than {MAX_DUPLICATE_FIELDS} times in one place",
                    )
                part = self.field(selection, parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                spreads += 1
                if spreads > MAX_SPREADS:
                    raise Refused(
                        "QUERY_TOO_COMPLEX",
                        f"more than {MAX_SPREADS} fragments are spread in one place",
                    )
                part = self.fragment(selection.name.value, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = parent if condition is None else self.schema.get_type(condition.name.value)
                part = self.selections(selection.selection_set, inner, page)
            else:  # pragma: no cover - graphql-core has no other selection kinds
                continue
            depth = max(depth, part.depth)
            aliases += part.aliases
            cost += part.cost
            self.limit(depth, aliases)  # both only grow: refuse at once (cost: at the end)
        return Measure(depth, aliases, cost)

    def limit(self, depth: int, aliases: int) -> None:
        limits = self.limits
        if depth > limits.max_depth:
            raise Refused("QUERY_TOO_DEEP", f"the query is over {limits.max_depth} deep")
        if aliases > limits.max_aliases:
            raise Refused("TOO_MANY_ALIASES", f"the query has over {limits.max_aliases} aliases")


def _count_directives(document: DocumentNode) -> int:
    count = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        count += len(getattr(node, "directives", None) or ())
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return count


def check(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> None:
    """Raises ``Refused`` when any operation of ``document`` passes one of ``limits``.

    Runs in time linear in the document: every fragment is measured once. The variables
    give the page sizes asked through variables (a missing one counts as ``max_page``).
    """
    if (directives := _count_directives(document)) > limits.max_directives:
        raise Refused(
            "QUERY_TOO_COMPLEX",
            f"the query has {directives} directives; at most {limits.max_directives}",
        )
    walker = _Walker(schema, document, variables or {}, limits)
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            walker.fragment(definition.name.value, None)  # cycles even in unused fragments
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        root = schema.get_root_type(definition.operation)
        cost = walker.selections(definition.selection_set, root, None).cost
        if cost > limits.max_cost:
            raise Refused("QUERY_TOO_COSTLY", f"the query would cost over {limits.max_cost}")
