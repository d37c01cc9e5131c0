from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.requests import service as requests
from exchange.requests.models import RequestLine


class RequestLinesByRequestIdLoader(DataLoader[uuid.UUID, list[RequestLine]]):
    """Lines of requests already shown to the caller (the request's read was authorized)."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[list[RequestLine]]:
        async with self.reads.session() as session:
            found = await requests.lines_of(ids, session=session)
        return [found.get(i, []) for i in ids]
