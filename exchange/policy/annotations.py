"""The words of ``policies/`` that denials quote, for the pages' message catalogue: each
principal of an ``@allows("…")`` (split at ", " as ``explain`` splits them) and each
``@denies("…")`` condition. A Babel extraction method (``babel.cfg``: ``[cedar: …]``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

_NOTE = re.compile(r'^\s*@(allows|denies)\("([^"]*)"\)')


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """``(line, None, message, [])`` for each text ``explain`` may show (Babel's
    extractor protocol)."""
    for number, line in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        found = _NOTE.match(line)
        if found is None:
            continue
        kind, text = found.groups()
        for part in text.split(", ") if kind == "allows" else [text]:
            if part:
                yield number, None, part, []
