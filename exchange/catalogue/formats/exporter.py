"""Exporting the catalogue to a file, streamed one page of works at a time.

Each page is read in its own short read session (works in id order, through
``catalogue.service.list``), described with its related rows, written and forgotten, so
exporting the whole catalogue holds one page in memory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Sequence
from typing import BinaryIO

from pymarc import Subfield
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.catalogue import search
from exchange.catalogue import service as works
from exchange.catalogue.formats import dublin_core, marc
from exchange.catalogue.formats.files import Format
from exchange.catalogue.formats.records import Described
from exchange.catalogue.models import Work
from exchange.db.engine import Database
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine
from exchange.text import for_xml, xml_safe

DEFAULT_PAGE = 500
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
HEADERS = {
    Format.MARC21: b"",
    Format.MARCXML: XML_DECLARATION + f'<collection xmlns="{marc.MARC_NS}">\n'.encode(),
    Format.DC: XML_DECLARATION
    + f'<records xmlns:oai_dc="{dublin_core.OAI_DC_NS}" xmlns:dc="{dublin_core.DC_NS}">\n'.encode(),
}
FOOTERS = {Format.MARC21: b"", Format.MARCXML: b"</collection>\n", Format.DC: b"</records>\n"}

ET.register_namespace("marc", marc.MARC_NS)
ET.register_namespace("oai_dc", dublin_core.OAI_DC_NS)
ET.register_namespace("dc", dublin_core.DC_NS)
ET.register_namespace("xsi", dublin_core.XSI_NS)


async def describe(
    identity: Identity, rows: Sequence[Work], *, session: AsyncSession, policy: PolicyEngine
) -> list[Described]:
    """Works with their contributors, identifiers and co-authors, in one query (two when
    some have co-authors)."""
    listed = await works.relations_of(
        identity, [w.id for w in rows], session=session, policy=policy
    )
    co_authors = await works.co_authors_of(identity, listed, session=session, policy=policy)
    return [
        Described(
            w,
            listed[w.id].contributors,
            listed[w.id].identifiers,
            [p.id for p in co_authors[w.id]],
        )
        for w in rows
    ]


async def pages(
    identity: Identity, *, db: Database, policy: PolicyEngine, size: int = DEFAULT_PAGE
) -> AsyncIterator[list[Described]]:
    """Every work the identity may list, described, ``size`` at a time in id order."""
    after: search.Cursor | None = None
    while True:
        async with db.read() as session:
            page = await works.list(
                identity, works.WorkFilter(), size, after, session=session, policy=policy
            )
            rows = [ranked.work for ranked in page.items]
            described = await describe(identity, rows, session=session, policy=policy)
        if described:
            yield described
        if not page.has_next:
            return
        after = page.items[-1].cursor


def serialize(described: Described, format: Format) -> bytes:
    """One work in a format, as it sits in a file of that format."""
    if format is Format.MARC21:
        record = marc.record_from(described)
        for item in record.fields:  # MARC's delimiters are among what XML 1.0 forbids
            if item.control_field:
                item.data = for_xml(item.data or "")
            else:
                item.subfields = [Subfield(s.code, for_xml(s.value)) for s in item.subfields]
        return record.as_marc()
    if format is Format.MARCXML:
        element = marc.xml_element(marc.record_from(described))
    else:
        element = dublin_core.element(described)
    text: bytes = ET.tostring(xml_safe(element), encoding="utf-8", xml_declaration=False)
    return text + b"\n"


async def export(
    identity: Identity,
    handle: BinaryIO,
    format: Format,
    *,
    db: Database,
    policy: PolicyEngine,
    page_size: int = DEFAULT_PAGE,
) -> int:
    """Write every work to ``handle`` in ``format``; returns how many were written."""
    handle.write(HEADERS[format])
    count = 0
    async for page in pages(identity, db=db, policy=policy, size=page_size):
        for described in page:
            handle.write(serialize(described, format))
        count += len(page)
    handle.write(FOOTERS[format])
    return count
