"""The policy's view of a work and the reads by id: one work, many works, their related
rows and their readable co-authors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import relations
from exchange.catalogue.models import Work
from exchange.errors import NotFound
from exchange.identity.identity import Identity
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine, Resource


def resource(work: Work, partner: Partner) -> Resource:
    owner = partners.resource(partner)
    return Resource(
        "Work",
        str(work.id),
        {"partner": {"__entity": owner.uid}, "kind": work.kind},
        tuple(owner.entities()),
        parents=(owner.uid,),
    )


async def load(session: AsyncSession, work_id: uuid.UUID, *, for_update: bool = False) -> Work:
    """The work ``work_id`` (locked for update when asked); ``NotFound`` when none."""
    statement = select(Work).where(Work.id == work_id)
    if for_update:
        statement = statement.with_for_update()
    work = (await session.exec(statement)).first()
    if work is None:
        raise NotFound("work", work_id)
    return work


async def get(
    identity: Identity, work_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> Work:
    policy.require(identity, "work.search", PLATFORM)
    return await load(session, work_id)


async def get_many(
    identity: Identity, ids: Iterable[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, Work]:
    policy.require(identity, "work.search", PLATFORM)
    wanted = list(set(ids))
    rows = (await session.exec(select(Work).where(col(Work.id).in_(wanted)))).all()
    return {w.id: w for w in rows}


async def relations_of(
    identity: Identity, ids: Sequence[uuid.UUID], *, session: AsyncSession, policy: PolicyEngine
) -> dict[uuid.UUID, relations.Relations]:
    """Contributors, identifiers, issues and co-author ids of each work, in one query."""
    policy.require(identity, "work.search", PLATFORM)
    return await relations.read(session, ids)


async def co_authors_of(
    identity: Identity,
    listed: Mapping[uuid.UUID, relations.Relations],
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> dict[uuid.UUID, list[Partner]]:
    """The co-authoring partners of each listed work that the identity may read (no query
    when none has any)."""
    wanted = {p for found in listed.values() for p in found.co_author_ids}
    readable = await partners.get_many(identity, wanted, session=session, policy=policy)
    return {
        work_id: [readable[p] for p in found.co_author_ids if p in readable]
        for work_id, found in listed.items()
    }
