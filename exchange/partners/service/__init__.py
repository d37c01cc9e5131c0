"""Partner institutions: get, list, create, update, suspend, reactivate.

Every function takes the acting identity first and asks the policy engine before it
reads or writes. Writers work inside the caller's unit of work and never commit.

``reads`` holds the policy's view of a partner and the reads, ``profiles`` registration and
profile changes, ``status`` suspension and reactivation; callers name this package.
"""

from exchange.partners.service.profiles import PartnerDraft, PartnerPatch, create, update
from exchange.partners.service.reads import (
    PartnerFilter,
    Party,
    get,
    get_many,
    list,
    readable,
    resource,
)
from exchange.partners.service.status import MAX_REASON, reactivate, suspend

__all__ = [
    "MAX_REASON",
    "PartnerDraft",
    "PartnerFilter",
    "PartnerPatch",
    "Party",
    "create",
    "get",
    "get_many",
    "list",
    "reactivate",
    "readable",
    "resource",
    "suspend",
    "update",
]
