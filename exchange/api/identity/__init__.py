"""Accounts, memberships and tokens in the GraphQL schema.

`types` holds the account, membership, viewer and issued-token types, `queries` the read of
the caller and `mutations` the actions; the schema takes the two roots from here.
"""

from exchange.api.identity.mutations import IdentityMutation
from exchange.api.identity.queries import IdentityQuery

__all__ = ["IdentityMutation", "IdentityQuery"]
