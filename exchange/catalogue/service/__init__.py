"""Works of the catalogue: get, list (search), create, update, and their related rows.

Every function takes the acting identity first and asks the policy engine before it
reads or writes. Writers work inside the caller's unit of work and never commit; they
keep the full-text index in step in the same transaction (``search.index_work``).

``reads`` holds the policy's view of a work and the reads by id, ``listing`` the filtered
and ranked pages, ``writing`` a work catalogued or changed, ``batch`` many works catalogued
at once; callers name this package.
"""

from exchange.catalogue.service.batch import Created, create_many
from exchange.catalogue.service.listing import Ranked, WorkFilter, list
from exchange.catalogue.service.reads import co_authors_of, get, get_many, relations_of, resource
from exchange.catalogue.service.writing import Clearable, WorkPatch, create, update

__all__ = [
    "Clearable",
    "Created",
    "Ranked",
    "WorkFilter",
    "WorkPatch",
    "co_authors_of",
    "create",
    "create_many",
    "get",
    "get_many",
    "list",
    "relations_of",
    "resource",
    "update",
]
