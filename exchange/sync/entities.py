"""Which records travel in bundles, as which rows, in which order, and who may see them.

A change names a record (``entity_type``, ``entity_id``, as the audit chain does) and
carries the record's full current rows: the main row and its children (offer lines,
request lines, a work's contributors and identifiers ...). Rows are JSON (UUIDs and times
as text) and are written back by primary key (insert or update), so applying a change
twice is applying it once. Lines' ``allocated`` counters are not trusted from the wire:
they are recounted after each import (``conflicts.recount``).

``RANK`` orders a bundle's changes so that a row's foreign keys exist before it: partners,
then keys, works, offers, requests, allocations, digital objects, shipments, proposals and
their answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.allocations.models import Allocation
from exchange.catalogue.models import (
    JournalIssue,
    Work,
    WorkContributor,
    WorkIdentifier,
    WorkPartner,
)
from exchange.db.table import table
from exchange.keys.models import SigningKey
from exchange.objects.models import DigitalObject
from exchange.offers.models import Offer, OfferLine, OfferState
from exchange.partners.models import Partner
from exchange.requests.models import RequestLine, ResourceRequest
from exchange.shipments.models import Shipment, ShipmentEvent, ShipmentItem
from exchange.sync.models import SyncAnswer, SyncProposal

Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Child:
    model: type[SQLModel]
    key: str  # the column naming the parent
    replace: bool  # rows missing from the parent's new state are deleted


@dataclass(frozen=True, slots=True)
class Codec:
    entity_type: str
    model: type[SQLModel]
    children: tuple[Child, ...] = ()
    # columns of the main row naming other rows carried along (table, column)
    related: tuple[tuple[type[SQLModel], str], ...] = field(default=())
    key: str = "id"  # the column holding the audit trail's entity id
    private: tuple[str, ...] = ()  # columns never sent (left empty in replicas)


CODECS: dict[str, Codec] = {
    c.entity_type: c
    for c in (
        Codec("partner", Partner),
        Codec("signing_key", SigningKey, key="kid", private=("encrypted_private_key",)),
        Codec(
            "work",
            Work,
            (
                Child(WorkContributor, "work_id", True),
                Child(WorkIdentifier, "work_id", True),
                Child(JournalIssue, "work_id", True),
                Child(WorkPartner, "work_id", True),
            ),
        ),
        Codec("offer", Offer, (Child(OfferLine, "offer_id", False),)),
        Codec("request", ResourceRequest, (Child(RequestLine, "request_id", False),)),
        # an allocation is made by its offer line's owner: the line's counter travels with it
        Codec("allocation", Allocation, related=((OfferLine, "offer_line_id"),)),
        Codec("digital_object", DigitalObject),  # before the shipment items naming them
        Codec(
            "shipment",
            Shipment,
            (Child(ShipmentItem, "shipment_id", False), Child(ShipmentEvent, "shipment_id", False)),
        ),
        Codec("proposal", SyncProposal),
        Codec("answer", SyncAnswer),
    )
}
RANK = {name: index for index, name in enumerate(CODECS)}
MODELS: dict[str, type[SQLModel]] = {
    table(m).name: m
    for c in CODECS.values()
    for m in (c.model, *(ch.model for ch in c.children), *(r[0] for r in c.related))
}


def key_column(codec: Codec) -> str:
    """The main row's column whose value is the audit trail's entity id."""
    if codec.key != "id":
        return codec.key
    return next(iter(table(codec.model).primary_key.columns)).name


def entity_value(codec: Codec, entity_id: str) -> Any:
    column = table(codec.model).c[key_column(codec)]
    return uuid.UUID(entity_id) if isinstance(column.type, sa.Uuid) else entity_id


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _decode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(value)
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        return datetime.fromisoformat(value)
    return value


def _row(mapping: Any) -> dict[str, Any]:
    return {k: _encode(v) for k, v in dict(mapping).items()}


async def _select(
    session: AsyncSession, model: type[SQLModel], column: str, values: Iterable[Any]
) -> list[dict[str, Any]]:
    t = table(model)
    wanted = list(values)
    if not wanted:
        return []
    pk = [c.name for c in t.primary_key.columns]
    statement = sa.select(t).where(t.c[column].in_(wanted)).order_by(*(t.c[n] for n in pk))
    result = await session.execute(statement)
    return [_row(r) for r in result.mappings().all()]


async def load(session: AsyncSession, entity_type: str, ids: list[str]) -> dict[str, Rows]:
    """Current rows of each record of ``entity_type`` in ``ids`` (absent ones left out)."""
    codec = CODECS[entity_type]
    key = key_column(codec)
    main = await _select(session, codec.model, key, [entity_value(codec, i) for i in ids])
    for row in main:
        row.update(dict.fromkeys(codec.private))
    out: dict[str, Rows] = {r[key]: {table(codec.model).name: [r]} for r in main}
    present = (
        [uuid.UUID(rows[table(codec.model).name][0]["id"]) for rows in out.values()]
        if codec.children
        else []
    )
    for child in codec.children:
        for row in await _select(session, child.model, child.key, present):
            by_pk = {r[table(codec.model).name][0]["id"]: r for r in out.values()}
            by_pk[row[child.key]].setdefault(table(child.model).name, []).append(row)
    for model, column in codec.related:
        by_id = {r[column]: r for r in (rows[table(codec.model).name][0] for rows in out.values())}
        for row in await _select(session, model, "id", [uuid.UUID(v) for v in by_id]):
            for rows in out.values():
                if rows[table(codec.model).name][0][column] == row["id"]:
                    rows.setdefault(table(model).name, []).append(row)
    if entity_type == "allocation":
        await _mark_partners(session, out)
    return out


PARTNERS = "_partners"  # pseudo table: the partners an allocation joins (scope only)


async def _mark_partners(session: AsyncSession, out: dict[str, Rows]) -> None:
    offer_lines, request_lines = table(OfferLine), table(RequestLine)
    offers, requests = table(Offer), table(ResourceRequest)
    mains = [rows["allocation"][0] for rows in out.values()]
    owners: dict[str, str] = {}
    for lines, parents, parent_key, column in (
        (offer_lines, offers, "offer_id", "offer_line_id"),
        (request_lines, requests, "request_id", "request_line_id"),
    ):
        statement = (
            sa.select(lines.c.id, parents.c.partner_id)
            .join(parents, parents.c.id == lines.c[parent_key])
            .where(lines.c.id.in_([uuid.UUID(m[column]) for m in mains]))
        )
        owners.update({str(i): str(p) for i, p in (await session.execute(statement)).all()})
    for rows in out.values():
        main = rows["allocation"][0]
        rows[PARTNERS] = [
            {
                "offer": owners.get(main["offer_line_id"], ""),
                "request": owners.get(main["request_line_id"], ""),
            }
        ]


def _upsert(dialect: str, model: type[SQLModel], rows: list[dict[str, Any]]) -> Any:
    t = table(model)
    values = [{c.name: _decode(c, r.get(c.name)) for c in t.columns} for r in rows]
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t).values(values)
    pk = [c.name for c in t.primary_key.columns]
    others = [c.name for c in t.columns if c.name not in pk]
    if not others:
        return insert.on_conflict_do_nothing(index_elements=pk)
    return insert.on_conflict_do_update(
        index_elements=pk, set_={n: insert.excluded[n] for n in others}
    )


PARAMETERS = 20_000  # per statement, under SQLite's 32,766 and PostgreSQL's 65,535


async def apply(session: AsyncSession, dialect: str, entity_type: str, records: list[Rows]) -> None:
    """Write records' rows as carried (main rows, then children), in few statements."""
    codec = CODECS[entity_type]
    main_name = table(codec.model).name
    for rows in records:
        if len(rows.get(main_name) or []) != 1:
            raise ValueError(f"a {entity_type} change must carry one {main_name} row")
    order = [m for m, _ in codec.related] + [codec.model] + [c.model for c in codec.children]
    for model in order:
        carried = [row for rows in records for row in rows.get(table(model).name) or []]
        step = max(1, PARAMETERS // len(table(model).columns))
        for start in range(0, len(carried), step):
            await session.execute(_upsert(dialect, model, carried[start : start + step]))
    for child in codec.children:
        if not child.replace:
            continue
        t = table(child.model)
        pk = list(t.primary_key.columns)
        for rows in records:
            parent = uuid.UUID(rows[main_name][0]["id"])
            keep = [
                tuple(_decode(t.c[c.name], r[c.name]) for c in pk) for r in rows.get(t.name) or []
            ]
            statement = sa.delete(t).where(t.c[child.key] == parent)
            if keep:
                statement = statement.where(sa.not_(sa.tuple_(*pk).in_(keep)))
            await session.execute(statement)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one peer may receive: ``served`` are the partners it is home to."""

    peer: str
    served: frozenset[str]
    shipments: frozenset[str] = frozenset()  # shipments to or from a served partner

    def allows(self, entity_type: str, rows: Rows) -> bool:
        """Partners and works are the public catalogue; offers unless another partner's
        draft; requests; allocations touching a served partner's offer or request;
        proposals and answers between the peer and their owner or proposer (and relayed
        through an instance between them)."""
        main = rows[table(CODECS[entity_type].model).name][0]
        if entity_type == "offer":
            return main["state"] != OfferState.DRAFT.value or main["partner_id"] in self.served
        if entity_type == "allocation":
            return bool(self.served & set(rows.get(PARTNERS, [{}])[0].values()))
        if entity_type == "digital_object":  # only a visible shipment's files travel
            return main["shipment_id"] is not None and main["shipment_id"] in self.shipments
        if entity_type == "shipment":
            return bool(self.served & {main["sender_id"], main["receiver_id"]})
        if entity_type in ("proposal", "answer"):
            return self.peer in (main["owner_id"], main["proposer_id"])
        return True


async def shipments_of(session: AsyncSession, partners: frozenset[str]) -> frozenset[str]:
    """Ids of the shipments sent by or to ``partners``."""
    t = table(Shipment)
    ids = [uuid.UUID(p) for p in partners]
    if not ids:
        return frozenset()
    statement = sa.select(t.c.id).where(sa.or_(t.c.sender_id.in_(ids), t.c.receiver_id.in_(ids)))
    return frozenset(str(i) for i in (await session.execute(statement)).scalars())
