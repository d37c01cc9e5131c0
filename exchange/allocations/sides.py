"""Both sides of an allocation, read in one query: the offer line with its offer, its donor
and the instance owning the offer (offline sync), the request line with its request and
requester. For an allocating transaction, FOR SHARE OF the offer keeps its state (open,
not withdrawn) and FOR KEY SHARE OF the request its state (not cancelled) steady until it
commits. ``read_unlocked`` reads the same without locks, for an allocation made by one
statement that takes them itself (``ledger.take_at_once``)."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from exchange import clock
from exchange.allocations.models import Allocation
from exchange.db.table import table
from exchange.errors import NotFound
from exchange.offers.models import Offer, OfferLine, OfferState, effective_state
from exchange.partners.models import Partner
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.sync.ownership import offer_owner


@dataclass(frozen=True, slots=True)
class Party:
    id: uuid.UUID
    status: str
    public: bool
    tags: builtins.list[str]


@dataclass(frozen=True, slots=True)
class Sides:
    """What an allocation between two lines checks: columns, not ORM rows (this is the
    hottest read of the hottest write; six hydrated entities cost a tenth of its CPU)."""

    offer_id: uuid.UUID
    offer_state: OfferState
    offer_work_id: uuid.UUID
    request_id: uuid.UUID
    request_state: str
    request_work_id: uuid.UUID | None
    donor: Party
    requester: Party
    offer_owner: uuid.UUID | None  # the instance owning the offer; None: this one
    request_allocated: int  # the request line's counter and quantity, as read
    request_quantity: int


def _sides_statement(locked: bool) -> Select[*tuple[Any, ...]]:
    offer_lines, offers, request_lines = table(OfferLine), table(Offer), table(RequestLine)
    requests_, donors = table(ResourceRequest), table(Partner).alias("donor")
    requesters = table(Partner).alias("requester")
    # sqlmodel.select types at most four columns; its Select class takes any number
    statement: Select[*tuple[Any, ...]] = (
        Select(
            offers.c.id,
            offers.c.state,
            offers.c.expires_at,
            offer_lines.c.work_id,
            requests_.c.id,
            requests_.c.state,
            request_lines.c.work_id,
            *(
                p.c[name]
                for p in (donors, requesters)
                for name in ("id", "status", "public", "tags")
            ),
            offer_owner(offers.c.id),
            request_lines.c.allocated,
            request_lines.c.quantity,
        )
        .select_from(offer_lines)
        .join(offers, offers.c.id == offer_lines.c.offer_id)
        .join(donors, donors.c.id == offers.c.partner_id)
        .join(request_lines, request_lines.c.id == sa.bindparam("request_line_id"))
        .join(requests_, requests_.c.id == request_lines.c.request_id)
        .join(requesters, requesters.c.id == requests_.c.partner_id)
        .where(offer_lines.c.id == sa.bindparam("offer_line_id"))
    )
    if not locked:
        return statement
    # the request FOR KEY SHARE: a cancel (FOR UPDATE) waits for this allocation, or this
    # read waits for the cancel and sees it; refresh_state's FOR NO KEY UPDATE does not
    # conflict with it, so two allocators of one request never deadlock on it
    return statement.with_for_update(read=True, of=offers).suffix_with(
        f"FOR KEY SHARE OF {requests_.name}", dialect="postgresql"
    )


# Built once: statement construction and cache-key generation cost more CPU than the
# round trips on this path (measured), and allocation is the hottest write there is.
_SIDES, _SIDES_UNLOCKED = _sides_statement(locked=True), _sides_statement(locked=False)


async def read(
    session: AsyncSession, offer_line_id: uuid.UUID, request_line_id: uuid.UUID
) -> Sides:
    """Both lines, their offer (locked FOR SHARE) and request, and both partners.
    ``NotFound`` for a line that does not exist."""
    params = {"offer_line_id": offer_line_id, "request_line_id": request_line_id}
    row = (await session.exec(_SIDES, params=params)).first()
    if row is None:
        if await session.get(OfferLine, offer_line_id) is None:
            raise NotFound("offer line", offer_line_id)
        raise NotFound("request line", request_line_id)
    return _sides(row)


async def read_unlocked(
    connection: AsyncConnection, offer_line_id: uuid.UUID, request_line_id: uuid.UUID
) -> Sides | None:
    """As ``read``, with no lock; None when a line does not exist."""
    params = {"offer_line_id": offer_line_id, "request_line_id": request_line_id}
    row = (await connection.execute(_SIDES_UNLOCKED, params)).first()
    return None if row is None else _sides(row)


def _sides(row: Any) -> Sides:
    offer_id, offer_state, expires_at, offer_work, request_id, request_state, request_work = row[:7]
    return Sides(
        offer_id,
        effective_state(offer_state, expires_at, clock.now()),
        offer_work,
        request_id,
        request_state,
        request_work,
        Party(*row[7:11]),
        Party(*row[11:15]),
        row[15],
        int(row[16]),
        int(row[17]),
    )


def _parties_statement() -> Select[*tuple[Any, ...]]:
    allocations, offer_lines, offers = table(Allocation), table(OfferLine), table(Offer)
    request_lines, requests_ = table(RequestLine), table(ResourceRequest)
    donors, requesters = table(Partner).alias("donor"), table(Partner).alias("requester")
    return (
        Select(
            allocations.c.id,
            *(
                p.c[name]
                for p in (donors, requesters)
                for name in ("id", "status", "public", "tags")
            ),
        )
        .select_from(allocations)
        .join(offer_lines, offer_lines.c.id == allocations.c.offer_line_id)
        .join(offers, offers.c.id == offer_lines.c.offer_id)
        .join(donors, donors.c.id == offers.c.partner_id)
        .join(request_lines, request_lines.c.id == allocations.c.request_line_id)
        .join(requests_, requests_.c.id == request_lines.c.request_id)
        .join(requesters, requesters.c.id == requests_.c.partner_id)
        .where(allocations.c.id.in_(sa.bindparam("ids", expanding=True)))
    )


_PARTIES = _parties_statement()


async def parties(
    session: AsyncSession, allocation_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[Party, Party]]:
    """The donor and the requester of each allocation, by allocation id (one query)."""
    wanted = builtins.list(set(allocation_ids))
    if not wanted:
        return {}
    rows = (await session.exec(_PARTIES, params={"ids": wanted})).all()
    return {row[0]: (Party(*row[1:5]), Party(*row[5:9])) for row in rows}


_DONORS, _REQUESTERS = table(Partner).alias("donor"), table(Partner).alias("requester")


def with_parties() -> Any:
    """Allocations, each row with its donor and requester after it (as ``parties`` reads
    them, read back with ``parties_of``): one query for both, to narrow with ``where``."""
    offer_lines, offers = table(OfferLine), table(Offer)
    request_lines, requests_ = table(RequestLine), table(ResourceRequest)
    allocations = table(Allocation)
    return (
        select(
            Allocation,
            *(
                p.c[name]
                for p in (_DONORS, _REQUESTERS)
                for name in ("id", "status", "public", "tags")
            ),
        )
        .join(offer_lines, offer_lines.c.id == allocations.c.offer_line_id)
        .join(offers, offers.c.id == offer_lines.c.offer_id)
        .join(_DONORS, _DONORS.c.id == offers.c.partner_id)
        .join(request_lines, request_lines.c.id == allocations.c.request_line_id)
        .join(requests_, requests_.c.id == request_lines.c.request_id)
        .join(_REQUESTERS, _REQUESTERS.c.id == requests_.c.partner_id)
    )


def parties_of(row: Any) -> tuple[Party, Party]:
    """The donor and the requester of a row of ``with_parties`` (after its allocation)."""
    return Party(*row[1:5]), Party(*row[5:9])
