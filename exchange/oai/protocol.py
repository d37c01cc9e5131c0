"""Answers to OAI-PMH 2.0 requests, as XML documents.

Items are works, identified as ``oai:<repository id>:<work id>``; their datestamp is
when they last changed (seconds granularity, UTC); sets are kinds (``kind:textbook``),
children of the set ``kind`` that holds every work (section 2.6 of the protocol: a set
``a:b`` is a subset of ``a``; a header names only the leaf, the parent being implied).
Nothing is ever deleted (``deletedRecord`` is ``no``). Lists come ``page_size`` records
at a time, continued by stateless signed resumption tokens (``exchange.oai.tokens``).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exchange import clock
from exchange.catalogue import harvest
from exchange.catalogue import service as works
from exchange.catalogue.formats import dublin_core, exporter, marc
from exchange.catalogue.formats.records import Described
from exchange.catalogue.models import WorkKind
from exchange.db.engine import Database
from exchange.errors import NotFound
from exchange.identity.identity import Identity
from exchange.oai import arguments, errors
from exchange.oai.errors import ProtocolError
from exchange.oai.tokens import ResumptionToken
from exchange.policy import PolicyEngine
from exchange.text import xml_safe

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI_LOCATION = f"{{{dublin_core.XSI_NS}}}schemaLocation"
FORMATS = {
    "oai_dc": (dublin_core.SCHEMA, dublin_core.OAI_DC_NS),
    "marc21": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", marc.MARC_NS),
}
PARENT_SET = ("kind", "Works by kind")
SET_PREFIX = f"{PARENT_SET[0]}:"
SET_NAMES = {
    WorkKind.TEXTBOOK: "Textbooks",
    WorkKind.JOURNAL: "Journals",
    WorkKind.CO_PUBLICATION: "Co-publications",
    WorkKind.SEMINAR_MATERIAL: "Seminar materials",
    WorkKind.RECORDED_LECTURE: "Recorded lectures",
    WorkKind.OTHER: "Other works",
}

# The protocol's own elements go unprefixed (``default_namespace`` would refuse the
# unqualified attribute names the protocol uses).
ET.register_namespace("", OAI_NS)


@dataclass(frozen=True, slots=True)
class Repository:
    """What a response says about the repository, and how it signs its tokens."""

    name: str
    base_url: str
    repository_id: str
    admin_email: str
    secret: bytes
    page_size: int = 100

    def identifier(self, work_id: uuid.UUID) -> str:
        return f"oai:{self.repository_id}:{work_id}"

    def work_id(self, identifier: str) -> uuid.UUID:
        prefix = f"oai:{self.repository_id}:"
        try:
            if not identifier.startswith(prefix):
                raise ValueError(identifier)
            return uuid.UUID(identifier[len(prefix) :])
        except ValueError:
            raise errors.id_does_not_exist(identifier) from None


def _oai(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, _oai(name), attrs)
    child.text = text
    return child


def _format(prefix: str) -> str:
    if prefix not in FORMATS:
        raise errors.cannot_disseminate(prefix)
    return prefix


def _kind(set_spec: str | None) -> WorkKind | None:
    """The kind a set selects; None for no set and for the parent set of all kinds."""
    if set_spec is None or set_spec == PARENT_SET[0]:
        return None
    kind = set_spec.removeprefix(SET_PREFIX)
    if not set_spec.startswith(SET_PREFIX) or kind not in {k.value for k in WorkKind}:
        raise errors.bad_argument(f"{set_spec!r} is not a set of this repository")
    return WorkKind(kind)


def _header(parent: ET.Element, repository: Repository, described: Described) -> None:
    header = _add(parent, "header")
    _add(header, "identifier", repository.identifier(described.work.id))
    _add(header, "datestamp", arguments.datestamp(described.work.updated_at))
    _add(header, "setSpec", SET_PREFIX + described.work.kind)


def _record(parent: ET.Element, repository: Repository, described: Described, prefix: str) -> None:
    record = _add(parent, "record")
    _header(record, repository, described)
    metadata = _add(record, "metadata")
    if prefix == "oai_dc":
        metadata.append(dublin_core.element(described))
    else:
        element = marc.xml_element(marc.record_from(described))
        element.set(XSI_LOCATION, f"{marc.MARC_NS} {FORMATS['marc21'][0]}")
        metadata.append(element)


class Verbs:
    """One method per verb; each returns the verb's element of the response."""

    def __init__(
        self, identity: Identity, repository: Repository, *, db: Database, policy: PolicyEngine
    ) -> None:
        self.identity = identity
        self.repository = repository
        self.db = db
        self.policy = policy

    async def _described(self, work_id: uuid.UUID) -> Described:
        async with self.db.read() as session:
            try:
                work = await works.get(self.identity, work_id, session=session, policy=self.policy)
            except NotFound:
                raise errors.id_does_not_exist(self.repository.identifier(work_id)) from None
            [described] = await exporter.describe(
                self.identity, [work], session=session, policy=self.policy
            )
        return described

    async def identify(self, request: arguments.Request) -> ET.Element:
        async with self.db.read() as session:
            first = await harvest.earliest(self.identity, session=session, policy=self.policy)
        element = ET.Element(_oai("Identify"))
        repository = self.repository
        _add(element, "repositoryName", repository.name)
        _add(element, "baseURL", repository.base_url)
        _add(element, "protocolVersion", "2.0")
        _add(element, "adminEmail", repository.admin_email)
        _add(element, "earliestDatestamp", arguments.datestamp(first or clock.now()))
        _add(element, "deletedRecord", "no")
        _add(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")
        return element

    async def list_metadata_formats(self, request: arguments.Request) -> ET.Element:
        identifier = request.get("identifier")
        if identifier is not None:
            await self._described(self.repository.work_id(identifier))
        element = ET.Element(_oai("ListMetadataFormats"))
        for prefix, (schema, namespace) in FORMATS.items():
            entry = _add(element, "metadataFormat")
            _add(entry, "metadataPrefix", prefix)
            _add(entry, "schema", schema)
            _add(entry, "metadataNamespace", namespace)
        return element

    async def list_sets(self, request: arguments.Request) -> ET.Element:
        if request.get("resumptionToken") is not None:
            raise errors.bad_resumption_token("ListSets is never continued")
        element = ET.Element(_oai("ListSets"))
        parent = _add(element, "set")
        _add(parent, "setSpec", PARENT_SET[0])
        _add(parent, "setName", PARENT_SET[1])
        for kind, name in SET_NAMES.items():
            entry = _add(element, "set")
            _add(entry, "setSpec", SET_PREFIX + kind)
            _add(entry, "setName", name)
        return element

    async def get_record(self, request: arguments.Request) -> ET.Element:
        prefix = _format(str(request.get("metadataPrefix")))
        described = await self._described(self.repository.work_id(str(request.get("identifier"))))
        element = ET.Element(_oai("GetRecord"))
        _record(element, self.repository, described, prefix)
        return element

    async def list_identifiers(self, request: arguments.Request) -> ET.Element:
        return await self._list(request, records=False)

    async def list_records(self, request: arguments.Request) -> ET.Element:
        return await self._list(request, records=True)

    async def _list(self, request: arguments.Request, *, records: bool) -> ET.Element:
        repository = self.repository
        raw_token = request.get("resumptionToken")
        if raw_token is not None:
            token: ResumptionToken | None = ResumptionToken.decode(raw_token, repository.secret)
            assert token is not None  # for the type checker: decode raises on a bad token
            prefix, from_, until, set_spec = token.prefix, token.from_, token.until, token.set_spec
            after, sent = token.last, token.sent
        else:
            token, after, sent = None, None, 0
            prefix = _format(str(request.get("metadataPrefix")))
            from_, until, set_spec = request.get("from"), request.get("until"), request.get("set")
        since, before = arguments.window(from_, until)
        window = harvest.Window(since, before, _kind(set_spec))
        async with self.db.read() as session:
            page = await harvest.changed(
                self.identity,
                window,
                repository.page_size,
                after,
                session=session,
                policy=self.policy,
            )
            described = await exporter.describe(
                self.identity, page.items, session=session, policy=self.policy
            )
        if not described and token is None:
            raise errors.no_records_match()
        element = ET.Element(_oai("ListRecords" if records else "ListIdentifiers"))
        for item in described:
            if records:
                _record(element, repository, item, prefix)
            else:
                _header(element, repository, item)
        if page.has_next:
            last = page.items[-1]
            following = ResumptionToken(
                prefix,
                from_,
                until,
                set_spec,
                harvest.Position(last.updated_at, last.id),
                sent + len(described),
            )
            _add(element, "resumptionToken", following.encode(repository.secret), cursor=str(sent))
        elif token is not None:
            _add(element, "resumptionToken", None, cursor=str(sent))
        return element


async def respond(
    identity: Identity,
    raw: Mapping[str, Sequence[str]],
    repository: Repository,
    *,
    db: Database,
    policy: PolicyEngine,
) -> bytes:
    """The complete OAI-PMH response document to a request's arguments."""
    root = ET.Element(_oai("OAI-PMH"), {XSI_LOCATION: f"{OAI_NS} {OAI_SCHEMA}"})
    _add(root, "responseDate", arguments.datestamp(clock.now()))
    echo = _add(root, "request", repository.base_url)
    try:
        request = arguments.parse(raw)
        echo.set("verb", request.verb)
        for name, value in request.arguments.items():
            echo.set(name, value)
        verbs = Verbs(identity, repository, db=db, policy=policy)
        handlers = {
            "Identify": verbs.identify,
            "ListMetadataFormats": verbs.list_metadata_formats,
            "ListSets": verbs.list_sets,
            "GetRecord": verbs.get_record,
            "ListIdentifiers": verbs.list_identifiers,
            "ListRecords": verbs.list_records,
        }
        root.append(await handlers[request.verb](request))
    except ProtocolError as error:
        if error.code in ("badVerb", "badArgument"):
            echo.attrib.clear()  # the request is echoed only when it was a valid one
        _add(root, "error", error.message, code=error.code)
    document: bytes = ET.tostring(xml_safe(root), encoding="utf-8", xml_declaration=True)
    return document
