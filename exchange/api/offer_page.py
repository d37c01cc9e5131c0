"""What a page of offers reads along with itself, handed to the request's loaders.

The fields of an offer (``partner``, ``lines``, a line's ``work``) each read through one
loader, whatever brought the offer. A page primes those loaders with what its query
selects, read in the page's session right after the page, so that the page's fields all
answer at once: no batch, task or event-loop turn per field, and a round trip per kind of
row whatever the page's size (``bench/graphql_vs_raw.py``). Each is read and decided
exactly as its loader would, as the rows the loader returns (``records``, read by
SQLAlchemy Core): the donors were read to decide the offers and are shown where
"partner.read" allows; lines belong to offers already allowed; works pass
``catalogue.records.get_many`` (a refusal there is left to the loader, so each field
tells it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import errors
from exchange.api.context import Context
from exchange.catalogue import records as catalogue
from exchange.offers import records as offers
from exchange.offers.records import OfferRecord
from exchange.partners import service as partners
from exchange.partners.models import Partner


async def prime(
    ctx: Context,
    rows: Sequence[OfferRecord],
    donors: Mapping[uuid.UUID, Partner],
    wanted: frozenset[str],
    line_fields: frozenset[str],
    session: AsyncSession,
) -> None:
    """Primes the loaders of the ``wanted`` fields of ``rows`` (and, for ``lines``, of
    the ``line_fields`` of their lines)."""
    who, policy, loaders = ctx.identity, ctx.runtime.policy, ctx.loaders
    if "partner" in wanted:
        shown = partners.readable(who, donors.values(), policy=policy)
        loaders.partner_by_id.prime_many({i: shown.get(i) for i in donors})
    if "lines" not in wanted or not rows:
        return
    ids = [row.id for row in rows]
    lines = await offers.lines_of(ids, session=session)
    loaders.offer_lines_by_offer_id.prime_many({i: lines.get(i, []) for i in ids})
    if "work" in line_fields:
        work_ids = {line.work_id for found in lines.values() for line in found}
        try:
            works = await catalogue.get_many(who, work_ids, session=session, policy=policy)
        except errors.ExchangeError:
            return
        loaders.work_by_id.prime_many({i: works.get(i) for i in work_ids})
