from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.api.loaders.resolved import Showing
from exchange.api.reads import RequestReads
from exchange.catalogue import service as works
from exchange.catalogue.relations import Contributor, Identifier, Issue
from exchange.identity.identity import Identity
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.seminars import service as seminars
from exchange.seminars.models import Seminar


@dataclass(frozen=True, slots=True)
class WorkRelations:
    contributors: list[Contributor]
    identifiers: list[Identifier]
    issues: list[Issue]
    co_authors: list[Partner]
    seminars: list[Seminar]


async def relations_of(
    identity: Identity, ids: Sequence[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> list[WorkRelations]:
    """Everything listed under each of ``ids``, in their order: two queries (three when
    some work has co-authors). The loader below and a page of works that asks for them
    up front (``works``) both read through here."""
    keys = list(ids)
    listed = await works.relations_of(identity, keys, session=session, policy=policy)
    co_authors = await works.co_authors_of(identity, listed, session=session, policy=policy)
    used_by = await seminars.seminars_of_works(identity, keys, session=session, policy=policy)
    return [
        WorkRelations(
            listed[i].contributors,
            listed[i].identifiers,
            listed[i].issues,
            co_authors[i],
            used_by.get(i, []),
        )
        for i in keys
    ]


class RelationsByWorkIdLoader(Showing[uuid.UUID, WorkRelations]):
    """The relations of works asked for one by one (a work, its seminar's materials...),
    batched and read through the request's session."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(self._load)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[WorkRelations]:
        async with self.reads.session() as session:
            return await relations_of(self.identity, ids, session=session, policy=self.policy)
