"""A small market for allocation tests: works, an open offer, an open request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from exchange import clock
from exchange.allocations import service as allocations
from exchange.allocations.models import Allocation
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind, WorkLevel
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.requests import service as requests
from exchange.runtime import Runtime
from tests.conftest import World


@dataclass(frozen=True)
class Market:
    works: list[uuid.UUID]
    offer_id: uuid.UUID
    offer_lines: list[uuid.UUID]
    request_id: uuid.UUID
    request_lines: list[uuid.UUID]


def librarian(world: World, partner: str) -> Identity:
    key = "librarian" if partner == "national" else "donor_librarian"
    return Identity(
        account_id=uuid.UUID(world.account_ids[key]),
        grants=(Grant(uuid.UUID(getattr(world, partner)), Role.LIBRARIAN),),
    )


def coordinator(world: World) -> Identity:
    return Identity(
        account_id=uuid.UUID(world.account_ids["coordinator"]),
        grants=(Grant(uuid.UUID(world.donor), Role.COORDINATOR),),
    )


async def make_market(
    runtime: Runtime, world: World, offered: list[int], requested: list[int], *, works: int = 1
) -> Market:
    """One offer of ``offered`` copies per line (line i offers work i % works), and one
    request whose line j asks ``requested[j]`` copies of work j % works."""
    donor, national = uuid.UUID(world.donor), uuid.UUID(world.national)
    async with runtime.db.unit_of_work() as uow:
        work_ids = []
        for index in range(works):
            draft = WorkDraft(
                kind=WorkKind.TEXTBOOK,
                titles=[("en", f"Linear Algebra, volume {index}")],
                language="en",
                partner_id=donor,
                subjects=["mathematics"],
                level=WorkLevel.UNDERGRADUATE,
            )
            work_ids.append(
                (await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)).id
            )
        offer = await offers.create(
            librarian(world, "donor"),
            offers.OfferDraft(
                donor,
                [
                    offers.OfferLineDraft(work_ids[i % works], q, Format.PRINT, Condition.GOOD)
                    for i, q in enumerate(offered)
                ],
                clock.now() + timedelta(days=30),
            ),
            uow=uow,
            policy=runtime.policy,
        )
        await offers.transition(
            librarian(world, "donor"), offer.id, "publish", uow=uow, policy=runtime.policy
        )
        request = await requests.create(
            librarian(world, "national"),
            requests.RequestDraft(
                national,
                [
                    requests.RequestLineDraft(q, work_id=work_ids[j % works])
                    for j, q in enumerate(requested)
                ],
            ),
            uow=uow,
            policy=runtime.policy,
        )
        offer_lines = [
            line.id for line in (await offers.lines_of([offer.id], session=uow.session))[offer.id]
        ]
        request_lines = [
            line.id
            for line in (await requests.lines_of([request.id], session=uow.session))[request.id]
        ]
    return Market(work_ids, offer.id, offer_lines, request.id, request_lines)


async def allocate(
    runtime: Runtime,
    identity: Identity,
    offer_line: uuid.UUID,
    request_line: uuid.UUID,
    quantity: int = 1,
    *,
    alone: bool = False,
) -> Allocation:
    """One allocation in a unit of work of its own, committed (``alone``: as the GraphQL
    mutation and the claim page make it)."""
    async with runtime.db.unit_of_work() as uow:
        return await allocations.allocate(
            identity,
            offer_line,
            request_line,
            quantity,
            uow=uow,
            policy=runtime.policy,
            alone=alone,
        )
