"""Donation offers: create (as a draft with lines), publish, withdraw, close, get, list.

An offer belongs to its donor partner; only that partner's librarians post and change it.

``drafting`` holds the draft, its rules and ``create``, ``states`` the transitions after it,
``reads`` the policy's view of an offer and the reads; callers name this package.
"""

from exchange.offers.service.drafting import (
    MAX_LINES,
    MAX_QUANTITY,
    MAX_TERMS,
    OfferDraft,
    OfferLineDraft,
    create,
)
from exchange.offers.service.reads import OfferFilter, get, lines_of, list, listed, load, resource
from exchange.offers.service.states import transition

__all__ = [
    "MAX_LINES",
    "MAX_QUANTITY",
    "MAX_TERMS",
    "OfferDraft",
    "OfferFilter",
    "OfferLineDraft",
    "create",
    "get",
    "lines_of",
    "list",
    "listed",
    "load",
    "resource",
    "transition",
]
