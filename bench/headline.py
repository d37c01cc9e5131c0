"""The machine-readable last line of a benchmark, which ``bench/collect.py`` reads.

A benchmark that accepts ``--quick`` ends its output with one line of JSON::

    {"bench": "startup", "rows": [{"what": "...", "figure": 0.91, "unit": "s",
      "reference": 0.62, "reference_what": "raw Starlette app", "ratio": 1.47,
      "better": "lower"}]}

``figure`` is the product's headline number; ``reference`` the number of what it is compared
with in the same run (``null`` when there is none), ``ratio`` is ``figure / reference``, and
``better`` says which way the figure improves ("lower" for seconds and MiB, "higher" for
rates). ``emit`` prints such a line; a benchmark may as well print it by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Row:
    what: str
    figure: float
    unit: str
    better: str = "lower"  # or "higher"
    reference: float | None = None
    reference_what: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference is None or self.reference == 0:
            return None
        return round(self.figure / self.reference, 3)


def line(bench: str, rows: list[Row]) -> str:
    """The JSON line for ``rows`` of benchmark ``bench`` (its file name without ``.py``)."""
    return json.dumps(
        {"bench": bench, "rows": [{**asdict(row), "ratio": row.ratio} for row in rows]},
        ensure_ascii=False,
    )


def emit(bench: str, rows: list[Row]) -> None:
    """Print the last line: call it once, after everything else the benchmark prints."""
    print(line(bench, rows), flush=True)
