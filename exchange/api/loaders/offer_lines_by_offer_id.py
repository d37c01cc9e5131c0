from __future__ import annotations

import uuid
from collections.abc import Sequence

from exchange.api.loaders.resolved import Showing
from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.offers import records
from exchange.offers.records import OfferLineRecord
from exchange.policy import PolicyEngine


class OfferLinesByOfferIdLoader(Showing[uuid.UUID, list[OfferLineRecord]]):
    """Lines of offers already shown to the caller (the offer's read was authorized)."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[list[OfferLineRecord]]:
        async with self.reads.session() as session:
            found = await records.lines_of(ids, session=session)
        return [found.get(i, []) for i in ids]
