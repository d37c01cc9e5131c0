"""Exchange rows by id (offers, offer lines, request lines, allocations) for the links
between them; one loader class per row type, made per request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

from exchange.allocations import links
from exchange.allocations.models import Allocation
from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.offers.models import Offer, OfferLine
from exchange.policy import PolicyEngine
from exchange.requests.models import RequestLine

Row = TypeVar("Row")


class _RowsById(DataLoader[uuid.UUID, Row | None], Generic[Row]):
    model: type[Row]
    permission: str

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[Row | None]:
        async with self.reads.session() as session:
            found = await links.by_ids(
                self.identity,
                self.model,
                ids,
                permission=self.permission,
                session=session,
                policy=self.policy,
            )
        return [found.get(i) for i in ids]


class OfferByIdLoader(_RowsById[Offer]):
    model, permission = Offer, "offer.list"


class OfferLineByIdLoader(_RowsById[OfferLine]):
    model, permission = OfferLine, "offer.list"


class RequestLineByIdLoader(_RowsById[RequestLine]):
    model, permission = RequestLine, "request.list"


class AllocationByIdLoader(_RowsById[Allocation]):
    model, permission = Allocation, "allocation.list"
