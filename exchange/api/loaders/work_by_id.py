from __future__ import annotations

import uuid
from collections.abc import Sequence

from exchange.api.loaders.resolved import Showing
from exchange.api.reads import RequestReads
from exchange.catalogue import records
from exchange.catalogue.records import WorkRecord
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine


class WorkByIdLoader(Showing[uuid.UUID, WorkRecord | None]):
    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[WorkRecord | None]:
        async with self.reads.session() as session:
            found = await records.get_many(self.identity, ids, session=session, policy=self.policy)
        return [found.get(i) for i in ids]
