"""The reference of ``bench/graphql_vs_raw.py``: the offers page written by hand.

A Starlette endpoint over SQLAlchemy Core, on one connection per request: the bearer
token's account and memberships, the page of offers the caller may read (published ones,
drafts of partners it is a librarian of; admins all), their donors, their lines and the
lines' works — five SELECTs — answered as the same JSON as the GraphQL query ``QUERY``.
It checks nothing the SQL does not (no Cedar), which is what makes it the limit.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange.catalogue.models import Work
from exchange.identity.models import Account, Membership, Token
from exchange.offers.models import Offer, OfferLine, OfferState, effective_state
from exchange.pagination import encode_cursor
from exchange.partners.models import Partner

QUERY = """query($first: Int!) { offers(first: $first) {
  nodes { id state expiresAt terms licence
    partner { id name country }
    lines { id quantity allocated available format condition
      work { id title year language kind } } }
  pageInfo { hasNextPage endCursor } } }"""


def _table(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


OFFER, LINE, PARTNER, WORK = (_table(t) for t in (Offer, OfferLine, Partner, Work))
TOKEN, ACCOUNT, MEMBERSHIP = (_table(t) for t in (Token, Account, Membership))


def _when(value: datetime) -> str:
    return value.isoformat()


async def _grants(connection: AsyncConnection, secret: str) -> list[tuple[Any, str]] | None:
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
    rows = (
        await connection.execute(
            sa.select(
                TOKEN.c.revoked_at, TOKEN.c.expires_at, MEMBERSHIP.c.partner_id, MEMBERSHIP.c.role
            )
            .join(ACCOUNT, ACCOUNT.c.id == TOKEN.c.account_id)
            .outerjoin(MEMBERSHIP, MEMBERSHIP.c.account_id == TOKEN.c.account_id)
            .where(TOKEN.c.secret_hash == digest)
        )
    ).all()
    if not rows or rows[0].revoked_at is not None or rows[0].expires_at <= datetime.now(UTC):
        return None
    return [(r.partner_id, r.role) for r in rows if r.partner_id is not None]


async def offers_page(
    connection: AsyncConnection, secret: str, first: int
) -> dict[str, Any] | None:
    """The JSON body of ``QUERY`` for the token's holder; None for an unknown token."""
    grants = await _grants(connection, secret)
    if grants is None:
        return None
    statement = sa.select(OFFER).order_by(OFFER.c.id).limit(first + 1)
    if not any(role == "admin" for _, role in grants):
        own = [p for p, role in grants if role == "librarian"]
        statement = statement.where(
            (OFFER.c.state != OfferState.DRAFT.value) | OFFER.c.partner_id.in_(own)
        )
    found = (await connection.execute(statement)).all()
    offers, more = found[:first], len(found) > first
    ids = [o.id for o in offers]
    donors = {
        p.id: p
        for p in (
            await connection.execute(
                sa.select(PARTNER.c.id, PARTNER.c.names, PARTNER.c.country).where(
                    PARTNER.c.id.in_({o.partner_id for o in offers})
                )
            )
        ).all()
    }
    lines: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    for line in (
        await connection.execute(
            sa.select(LINE).where(LINE.c.offer_id.in_(ids)).order_by(LINE.c.id)
        )
    ).all():
        lines[line.offer_id].append(line)
    wanted = {line.work_id for rows in lines.values() for line in rows}
    works = {
        w.id: w
        for w in (
            await connection.execute(
                sa.select(
                    WORK.c.id, WORK.c.titles, WORK.c.year, WORK.c.language, WORK.c.kind
                ).where(WORK.c.id.in_(wanted))
            )
        ).all()
    }
    now = datetime.now(UTC)
    nodes = [
        {
            "id": str(o.id),
            "state": effective_state(o.state, o.expires_at, now).name,
            "expiresAt": _when(o.expires_at),
            "terms": o.terms,
            "licence": o.licence,
            "partner": _partner(donors[o.partner_id]),
            "lines": [_line(line, works[line.work_id]) for line in lines[o.id]],
        }
        for o in offers
    ]
    end = encode_cursor(offers[-1].id) if offers else None
    return {
        "data": {"offers": {"nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor": end}}}
    }


def _partner(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.names[0]["value"] if row.names else "",
        "country": row.country,
    }


def _line(row: Any, work: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "quantity": row.quantity,
        "allocated": row.allocated,
        "available": row.quantity - row.allocated,
        "format": row.format.upper(),
        "condition": None if row.condition is None else row.condition.upper(),
        "work": {
            "id": str(work.id),
            "title": work.titles[0]["value"] if work.titles else "",
            "year": work.year,
            "language": work.language,
            "kind": work.kind.upper(),
        },
    }


def app(engine: AsyncEngine) -> Starlette:
    """``POST /raw`` with ``{"first": n}`` and the bearer token; 401 for an unknown token.
    Compressed like the application's answers (gzip when the client accepts it)."""

    async def endpoint(request: Request) -> Response:
        secret = request.headers.get("authorization", "").removeprefix("Bearer ")
        first = int((await request.json())["first"])
        async with engine.connect() as connection:
            body = await offers_page(connection, secret, first)
        if body is None:
            return JSONResponse({"errors": [{"message": "unknown token"}]}, status_code=401)
        return JSONResponse(body)

    # The same compression as the application's (``exchange/app.py``), so that both sides
    # of the comparison send the same bytes: gzip level 6 above 1 KiB when asked for.
    gzip = Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    return Starlette(routes=[Route("/raw", endpoint, methods=["POST"])], middleware=[gzip])
