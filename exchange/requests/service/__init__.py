"""Requests: what a partner needs. Create (open, with lines), cancel, get, list.

A cancelled request releases its active allocations, returning their quantities.

``drafting`` holds the draft, its rules and ``create``, ``states`` the state kept in step with
the allocations and the cancellation, ``reads`` the policy's view of a request and the reads;
callers name this package.
"""

from exchange.requests.service.drafting import (
    MAX_LINES,
    MAX_QUANTITY,
    RequestDraft,
    RequestLineDraft,
    create,
)
from exchange.requests.service.reads import RequestFilter, Seen, get, lines_of, list, load, resource
from exchange.requests.service.states import cancel, refresh_state

__all__ = [
    "MAX_LINES",
    "MAX_QUANTITY",
    "RequestDraft",
    "RequestFilter",
    "RequestLineDraft",
    "Seen",
    "cancel",
    "create",
    "get",
    "lines_of",
    "list",
    "load",
    "refresh_state",
    "resource",
]
