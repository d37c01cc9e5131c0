from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.catalogue.models import JournalIssue
from exchange.identity.identity import Identity
from exchange.offers import issues
from exchange.policy import PolicyEngine


class IssuesByOfferLineIdLoader(DataLoader[uuid.UUID, list[JournalIssue]]):
    """Journal issues named by offer lines already shown to the caller."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[list[JournalIssue]]:
        async with self.reads.session() as session:
            found = await issues.of_lines(ids, session=session)
        return [found.get(i, []) for i in ids]
