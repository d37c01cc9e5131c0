from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.db.engine import Database
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.seminars import service as seminars
from exchange.seminars.models import Seminar


class SeminarsByWorkIdLoader(DataLoader[uuid.UUID, list[Seminar]]):
    """The seminars that use each work."""

    def __init__(self, identity: Identity, db: Database, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.db, self.policy = identity, db, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[list[Seminar]]:
        async with self.db.read() as session:
            found = await seminars.seminars_of_works(
                self.identity, list(ids), session=session, policy=self.policy
            )
        return [found.get(i, []) for i in ids]
