"""Issue 11 item 9: characters XML 1.0 forbids never reach XML output, even from rows stored
before the domain refused them; OAI-PMH ``until`` in year 9999 is answered."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from defusedxml.ElementTree import fromstring
from pymarc import MARCReader

from exchange.catalogue.formats import exporter
from exchange.catalogue.formats.files import Format
from exchange.catalogue.models import Work
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.catalogue.test_formats import ENGLISH, catalogue
from tests.conftest import World
from tests.oai.test_oai import NS

STORED = "Old\x00 title\x1b[2K with\ufffe junk"  # as a row written before the fix holds it
SHOWN = "Old title[2K with junk"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


async def old_row(runtime: Runtime, world: World) -> Work:
    """A work whose title and publisher hold forbidden characters, written past the domain
    (PostgreSQL cannot store NUL in text, so there the row holds the other two)."""
    [work] = await catalogue(runtime, world, [ENGLISH])
    stored = STORED if runtime.db.dialect == "sqlite" else STORED.replace("\x00", "")
    table = Work.__table__  # type: ignore[attr-defined]
    async with runtime.db.unit_of_work() as uow:
        await uow.session.execute(
            sa.update(table)
            .where(table.c.id == work.id)
            .values(titles=[{"lang": "en", "value": stored}], publisher=stored)
        )
    return work


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21"])
async def test_oai_records_never_carry_forbidden_characters(
    client: httpx.AsyncClient, runtime: Runtime, world: World, prefix: str
) -> None:
    await old_row(runtime, world)
    response = await client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": prefix})
    assert response.status_code == 200
    root = fromstring(response.content)  # a parser refuses a document with such characters
    if prefix == "oai_dc":
        texts = [e.text for e in root.iterfind(".//dc:title", NS)]
        publishers = [e.text for e in root.iterfind(".//dc:publisher", NS)]
        assert (texts, publishers) == ([SHOWN], [SHOWN])
    else:
        title = root.find(".//marc:datafield[@tag='245']/marc:subfield[@code='a']", NS)
        assert title is not None
        assert title.text == SHOWN


@pytest.mark.parametrize("format", [Format.MARCXML, Format.DC, Format.MARC21])
async def test_exports_never_carry_forbidden_characters(
    runtime: Runtime, world: World, format: Format
) -> None:
    await old_row(runtime, world)
    handle = io.BytesIO()
    await exporter.export(SYSTEM, handle, format, db=runtime.db, policy=runtime.policy)
    document = handle.getvalue()
    if format is Format.MARC21:
        [record] = list(MARCReader(document, to_unicode=True, force_utf8=True))
        assert record is not None
        assert record["245"] is not None
        assert record["245"]["a"] == SHOWN
    else:
        fromstring(document)
    assert SHOWN.encode() in document
    assert b"\x00" not in document
    assert b"\x1b" not in document
    assert "\ufffe".encode() not in document


@pytest.mark.parametrize("until", ["9999-12-31", "9999-12-31T23:59:59Z"])
async def test_oai_until_in_year_9999_lists_every_record(
    client: httpx.AsyncClient, runtime: Runtime, world: World, until: str
) -> None:
    [work] = await catalogue(runtime, world, [ENGLISH])
    response = await client.get(
        "/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": until}
    )
    assert response.status_code == 200
    root = fromstring(response.content)
    identifiers = [e.text for e in root.iterfind(".//o:header/o:identifier", NS)]
    assert len(identifiers) == 1
    assert identifiers[0] is not None
    assert identifiers[0].endswith(str(work.id))
