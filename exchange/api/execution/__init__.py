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

``leaves`` decides which fields and types take the short paths, ``context`` is the
execution context that takes them, ``slim`` replaces the slim resolvers; callers name this
package.
"""

from exchange.api.execution.context import LeafFastExecution
from exchange.api.execution.slim import slim_resolvers

__all__ = ["LeafFastExecution", "slim_resolvers"]
