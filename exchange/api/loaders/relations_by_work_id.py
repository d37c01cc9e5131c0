from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from exchange.catalogue import service as works
from exchange.catalogue.models import JournalIssue, WorkContributor, WorkIdentifier
from exchange.db.engine import Database
from exchange.identity.identity import Identity
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine
from exchange.seminars import service as seminars
from exchange.seminars.models import Seminar


@dataclass(frozen=True, slots=True)
class WorkRelations:
    contributors: list[WorkContributor]
    identifiers: list[WorkIdentifier]
    issues: list[JournalIssue]
    co_authors: list[Partner]
    seminars: list[Seminar]


class RelationsByWorkIdLoader(DataLoader[uuid.UUID, WorkRelations]):
    """Everything listed under each work (contributors, identifiers, issues, co-authors,
    seminars), read in one session: a page of works asking for several of them costs one
    batch instead of one concurrent session per field, each small query being cheaper than
    opening a session."""

    def __init__(self, identity: Identity, db: Database, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load)
        self.identity, self.db, self.policy = identity, db, policy

    async def _load(self, ids: Sequence[uuid.UUID]) -> list[WorkRelations]:
        keys, who, policy = list(ids), self.identity, self.policy
        async with self.db.read() as session:
            contributors = await works.contributors_of(who, keys, session=session, policy=policy)
            identifiers = await works.identifiers_of(who, keys, session=session, policy=policy)
            issues = await works.issues_of(who, keys, session=session, policy=policy)
            co_authors = await works.co_authors_of(who, keys, session=session, policy=policy)
            used_by = await seminars.seminars_of_works(who, keys, session=session, policy=policy)
        return [
            WorkRelations(
                contributors.get(i, []),
                identifiers.get(i, []),
                issues.get(i, []),
                co_authors.get(i, []),
                used_by.get(i, []),
            )
            for i in ids
        ]
