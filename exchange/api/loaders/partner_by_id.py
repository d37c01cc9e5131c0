from __future__ import annotations

import uuid
from collections.abc import Sequence

from exchange.api.loaders.resolved import Showing
from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine


class PartnerByIdLoader(Showing[uuid.UUID, Partner | None]):
    """Partners the identity may read, by id; None for the rest."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[Partner | None]:
        async with self.reads.session() as session:
            found = await partners.get_many(self.identity, ids, session=session, policy=self.policy)
        return [found.get(i) for i in ids]
