"""The OAI-PMH endpoint over HTTP: every verb, paging by resumption token, every error."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from exchange.catalogue.formats import dublin_core, marc
from exchange.catalogue.models import Work
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.catalogue.test_formats import DRAFTS, ENGLISH, catalogue
from tests.conftest import World

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "dc": dublin_core.DC_NS,
    "oai_dc": dublin_core.OAI_DC_NS,
    "marc": marc.MARC_NS,
}
BASE = "http://127.0.0.1:8000/oai"  # Settings.public_url, never the Host header
REPOSITORY = "exchange.test"
ADMIN = "catalogue@exchange.test"
MORE = [
    dataclasses.replace(ENGLISH, titles=[("en", "Second field guide")]),
    dataclasses.replace(ENGLISH, titles=[("en", "Third field guide")]),
]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    extra = {
        "EXCHANGE_OAI_PAGE_SIZE": "2",
        "EXCHANGE_OAI_REPOSITORY_ID": REPOSITORY,
        "EXCHANGE_OAI_ADMIN_EMAIL": ADMIN,  # the XSD wants a dotted domain: not "testserver"
    }
    return Settings(data_dir=tmp_path / "data", database_url=database_url, extra=extra)


@pytest.fixture
async def catalogued(runtime: Runtime, world: World) -> list[Work]:
    """Five works, in the order they changed."""
    return await catalogue(runtime, world, [*DRAFTS, *MORE])


async def oai(
    client: httpx.AsyncClient,
    given: Mapping[str, str] | None = None,
    *,
    post: bool = False,
    **named: str,
) -> ET.Element:
    """The response document, checked to be an OAI-PMH envelope."""
    params = {**(given or {}), **named}
    if post:
        response = await client.post("/oai", data=params)
    else:
        response = await client.get("/oai", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    root: ET.Element = fromstring(response.content)
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
    children = list(root)
    assert [c.tag.rpartition("}")[2] for c in children[:2]] == ["responseDate", "request"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", children[0].text or "")
    assert children[1].text == BASE
    assert len(children) == 3
    return root


def error_of(root: ET.Element) -> tuple[str | None, dict[str, str]]:
    error = root.find("o:error", NS)
    request = root.find("o:request", NS)
    assert error is not None
    assert request is not None
    return error.get("code"), dict(request.attrib)


def identifiers(root: ET.Element, verb: str) -> list[str]:
    return [e.text or "" for e in root.findall(f"o:{verb}//o:header/o:identifier", NS)]


def oai_id(work: Work) -> str:
    return f"oai:{REPOSITORY}:{work.id}"


async def test_identify_describes_the_repository(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    root = await oai(client, verb="Identify")
    identify = root.find("o:Identify", NS)
    assert identify is not None
    fields = {c.tag.rpartition("}")[2]: c.text for c in identify}
    assert fields == {
        "repositoryName": "Scholarly Exchange catalogue",
        "baseURL": BASE,
        "protocolVersion": "2.0",
        "adminEmail": ADMIN,
        "earliestDatestamp": catalogued[0].updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "deletedRecord": "no",
        "granularity": "YYYY-MM-DDThh:mm:ssZ",
    }
    assert root.find("o:request", NS).attrib == {"verb": "Identify"}  # type: ignore[union-attr]


async def test_metadata_formats_and_sets_are_listed(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    root = await oai(client, verb="ListMetadataFormats", identifier=oai_id(catalogued[0]))
    prefixes = [e.text for e in root.findall(".//o:metadataPrefix", NS)]
    assert prefixes == ["oai_dc", "marc21"]
    sets = await oai(client, verb="ListSets")
    specs = [e.text for e in sets.findall(".//o:setSpec", NS)]
    assert specs == [
        "kind",
        "kind:textbook",
        "kind:journal",
        "kind:co_publication",
        "kind:seminar_material",
        "kind:recorded_lecture",
        "kind:other",
    ]


async def test_list_identifiers_pages_through_everything_with_resumption_tokens(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    seen: list[str] = []
    cursors: list[str | None] = []
    page = await oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    for _ in range(5):
        seen += identifiers(page, "ListIdentifiers")
        token = page.find(".//o:resumptionToken", NS)
        assert token is not None
        cursors.append(token.get("cursor"))
        if not token.text:
            break
        page = await oai(client, verb="ListIdentifiers", resumptionToken=token.text)
    assert seen == [oai_id(w) for w in catalogued]
    assert cursors == ["0", "2", "4"]
    datestamps = {e.text for e in page.findall(".//o:datestamp", NS)}
    assert datestamps == {catalogued[4].updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


async def test_list_records_by_post_in_a_set_carries_dublin_core(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    root = await oai(
        client, post=True, verb="ListRecords", metadataPrefix="oai_dc", set="kind:journal"
    )
    assert identifiers(root, "ListRecords") == [oai_id(catalogued[1])]
    assert root.find(".//o:resumptionToken", NS) is None  # a complete list in one response
    titles = [e.text for e in root.findall(".//oai_dc:dc/dc:title", NS)]
    assert titles == ["Вестник физики"]
    assert [e.text for e in root.findall(".//o:setSpec", NS)] == ["kind:journal"]


async def test_the_parent_set_kind_selects_the_works_of_every_kind(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    sets = await oai(client, verb="ListSets")
    names = {
        e.findtext("o:setSpec", namespaces=NS): e.findtext("o:setName", namespaces=NS)
        for e in sets.findall(".//o:set", NS)
    }
    assert names["kind"] == "Works by kind"
    seen: list[str] = []
    specs: list[str | None] = []
    page = await oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="kind")
    for _ in range(5):
        seen += identifiers(page, "ListRecords")
        specs += [e.text for e in page.findall(".//o:header/o:setSpec", NS)]
        token = page.find(".//o:resumptionToken", NS)
        assert token is not None
        if not token.text:
            break
        page = await oai(client, verb="ListRecords", resumptionToken=token.text)
    assert seen == [oai_id(w) for w in catalogued]
    assert specs == [f"kind:{w.kind}" for w in catalogued]  # the leaf alone: parent implied
    assert len(set(specs)) > 1
    everything = await oai(client, verb="ListIdentifiers", metadataPrefix="marc21")
    parent = await oai(client, verb="ListIdentifiers", metadataPrefix="marc21", set="kind")
    assert identifiers(parent, "ListIdentifiers") == identifiers(everything, "ListIdentifiers")


async def test_get_record_in_marc21_keeps_the_original_script(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    root = await oai(
        client, verb="GetRecord", identifier=oai_id(catalogued[0]), metadataPrefix="marc21"
    )
    record = root.find("o:GetRecord/o:record/o:metadata/marc:record", NS)
    assert record is not None
    linked = record.findall("marc:datafield[@tag='880']/marc:subfield[@code='a']", NS)
    assert [e.text for e in linked] == ["김철", "조선말 문법 교과서"]
    dc = await oai(
        client, verb="GetRecord", identifier=oai_id(catalogued[0]), metadataPrefix="oai_dc"
    )
    assert [e.text for e in dc.findall(".//dc:identifier", NS)] == [
        f"urn:uuid:{catalogued[0].id}",  # the work id: re-imports recognise it
        "urn:isbn:978-0-306-40615-7",
        "callnumber:PL 913 K56",
    ]


async def test_from_and_until_select_by_last_change_at_both_granularities(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    changed = catalogued[0].updated_at
    day = changed.strftime("%Y-%m-%d")
    second = changed.strftime("%Y-%m-%dT%H:%M:%SZ")
    every = [oai_id(w) for w in catalogued]
    paged = await oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=day)
    assert identifiers(paged, "ListIdentifiers") == every[:2]  # first page of the day
    exact = await oai(
        client, {"from": second, "until": second}, verb="ListIdentifiers", metadataPrefix="oai_dc"
    )
    assert oai_id(catalogued[0]) in identifiers(exact, "ListIdentifiers")
    later = (changed + timedelta(days=1)).strftime("%Y-%m-%d")
    empty = await oai(client, {"from": later}, verb="ListRecords", metadataPrefix="oai_dc")
    assert error_of(empty) == (
        "noRecordsMatch",
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": later},
    )


def tamper(token: str) -> str:
    body, _, mac = token.partition(".")
    return f"{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{mac}"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-13-01"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-01",
                "until": "2024-01-02T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-02",
                "until": "2024-01-01",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "kind:novel"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "kind:"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "kinds"}, "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "Kind"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "bm90LmE"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere:1"},
            "idDoesNotExist",
        ),
        (
            {
                "verb": "ListMetadataFormats",
                "identifier": f"oai:{REPOSITORY}:01a21321-0000-7000-8000-000000000000",
            },
            "idDoesNotExist",
        ),
    ],
)
async def test_errors_follow_the_protocol(
    client: httpx.AsyncClient, catalogued: list[Work], params: dict[str, str], code: str
) -> None:
    root = await oai(client, params)
    found, echoed = error_of(root)
    assert found == code
    if code in ("badVerb", "badArgument"):
        assert echoed == {}
    else:
        assert echoed == params


async def test_repeated_arguments_and_forged_tokens_are_refused(
    client: httpx.AsyncClient, catalogued: list[Work]
) -> None:
    response = await client.get("/oai?verb=Identify&verb=Identify")
    assert error_of(fromstring(response.content))[0] == "badVerb"
    response = await client.get("/oai?verb=ListSets&resumptionToken=a&resumptionToken=b")
    assert error_of(fromstring(response.content))[0] == "badArgument"
    first = await oai(client, verb="ListIdentifiers", metadataPrefix="marc21")
    token = first.find(".//o:resumptionToken", NS)
    assert token is not None
    assert token.text
    forged = await oai(client, verb="ListIdentifiers", resumptionToken=tamper(token.text))
    assert error_of(forged)[0] == "badResumptionToken"
