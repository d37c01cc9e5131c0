"""Picking a work on a form without JavaScript: each line's search text is looked up in
the catalogue, and the form comes back with the best matches to choose from."""

from __future__ import annotations

from collections.abc import Mapping

from exchange.catalogue import service as catalogue
from exchange.catalogue.models import Work
from exchange.identity.identity import Identity
from exchange.runtime import Runtime

MATCHES_SHOWN = 8


async def matches(
    runtime: Runtime, identity: Identity, searches: Mapping[int, str]
) -> dict[int, list[Work]]:
    """For each form line (index → search text), the catalogue's best matches (one
    read session; ``ValidationFailed`` for a search the catalogue refuses)."""
    found: dict[int, list[Work]] = {}
    async with runtime.db.read() as session:
        for index, text in searches.items():
            page = await catalogue.list(
                identity,
                catalogue.WorkFilter(search=text),
                MATCHES_SHOWN,
                None,
                session=session,
                policy=runtime.policy,
            )
            found[index] = [ranked.work for ranked in page.items]
    return found
