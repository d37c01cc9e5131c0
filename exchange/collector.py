"""Garbage-collector settings for the service's own processes (``exchange`` commands).

CPython runs a collection of its youngest generation every 700 net allocations, and every
tenth of those walks the older ones too, which in this service hold tens of thousands of
long-lived objects (modules, SQLAlchemy mappings, the GraphQL schema, the policies). A
catalogue import allocates millions of short-lived objects, none in reference cycles worth
chasing that often. So: what exists once the code is loaded is frozen out of every scan,
the youngest generation is collected every 50,000 allocations and the older ones every
5 of those. Measured with bench/catalogue_import.py on 50,000 MARCXML records: 2,040-2,410
records/s before, 3,060-3,190 after; the resident set then levels off some 20-35 MiB
higher (garbage cycles wait a little longer for their collection) instead of at once.

While a command's modules load, nothing is collected at all (``hold``): importing the ~1,200
modules of ``exchange serve`` otherwise runs hundreds of collections over a heap that only
grows, 0.12-0.15 s of its 1.25 s of imports (bench/startup.py, issue 15). Nor is there a
full collection before the freeze: after those imports it finds some 800 unreachable
objects among 217,000 and costs another 0.13 s at every start.
"""

from __future__ import annotations

import gc

YOUNG = 50_000
OLDER = 5  # collections of the generation below between two of the one above


def hold() -> None:
    """Collect nothing until ``tune``; call first thing, before the modules are imported."""
    gc.disable()


def tune() -> None:
    """Apply the settings above; call once, after the program's modules are imported."""
    gc.freeze()
    gc.set_threshold(YOUNG, OLDER, OLDER)
    gc.enable()
