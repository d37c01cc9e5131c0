"""The execution context: graphql-core's executor with the leaves of each selection set
answered in place and objects completed straight to their sub-selection (see the package)."""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from exchange.api.execution import leaves


class LeafFastExecution(StrawberryGraphQLCoreExecutionContext):
    """See the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id of a grouped field set -> (the set, kept alive so its id is not reused; plan)
        self._plans: dict[int, tuple[Any, leaves.Plan]] = {}

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> leaves.Plan:
        known = self._plans.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        wrapped = self.middleware_manager is not None and self.middleware_manager.middlewares
        plan: leaves.Plan = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field = self.schema.get_field(parent_type, node.name.value)
            leaf = None if field is None or wrapped or node.arguments else leaves.leaf(field)
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
        object_type = leaves.object_type(return_type)
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
        object_type = leaves.object_type(item_type)
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
