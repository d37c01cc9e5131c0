"""Donation offers in the GraphQL schema.

``types`` holds the offer and its lines, ``queries`` the reads and ``mutations`` the
actions; the schema takes the two roots from here.
"""

from exchange.api.offers.mutations import OfferMutation
from exchange.api.offers.queries import OfferQuery
from exchange.api.offers.types import OfferLine

__all__ = ["OfferLine", "OfferMutation", "OfferQuery"]
