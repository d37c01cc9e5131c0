"""MARC21, MARCXML and Dublin Core: what a work becomes in each format and back, and what
importing a file does to the catalogue (created, merged, rejected; reruns create nothing)."""

from __future__ import annotations

import dataclasses
import io
import uuid
from pathlib import Path

import pytest
from pymarc import Field, Indicators, MARCReader, MARCWriter, Record, Subfield
from sqlmodel import col, func, select

from exchange.catalogue import service as works
from exchange.catalogue.formats import exporter, files, importer
from exchange.catalogue.formats.files import Format
from exchange.catalogue.formats.outcomes import Outcome, Status
from exchange.catalogue.models import IdentifierScheme, Work, WorkKind, WorkLevel
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft
from exchange.errors import ValidationFailed
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.catalogue.test_round_trip import assert_valid_marcxml
from tests.conftest import World

ISBN = IdentifierScheme.ISBN
KOREAN = WorkDraft(
    kind=WorkKind.TEXTBOOK,
    titles=[("ko-Hang", "조선말 문법 교과서"), ("ko-Latn", "Chosŏnmal munbŏp kyogwasŏ")],
    language="ko",
    contributors=[
        ContributorDraft("김철", ContributorRole.AUTHOR, "Kim Ch'ŏl"),
        ContributorDraft("Lee Young", ContributorRole.EDITOR),
    ],
    publisher="교육도서출판사",
    year=2019,
    subjects=["조선어", "grammar"],
    level=WorkLevel.UNDERGRADUATE,
    identifiers=[(ISBN, "978-0-306-40615-7"), (IdentifierScheme.CALL_NUMBER, "PL 913 K56")],
)
RUSSIAN = WorkDraft(
    kind=WorkKind.JOURNAL,
    titles=[("ru", "Вестник физики")],
    language="ru",
    contributors=[ContributorDraft("Иванов, Пётр", ContributorRole.AUTHOR)],
    publisher="Наука",
    year=1998,
    subjects=["Физика"],
    identifiers=[
        (IdentifierScheme.ISSN, "0378-5955"),
        (IdentifierScheme.DOI, "10.1000/vestnik.1998"),
    ],
)
ENGLISH = WorkDraft(
    kind=WorkKind.OTHER,
    titles=[("en", "A field guide to libraries")],
    language="en",
    year=2001,
)
DRAFTS = [KOREAN, RUSSIAN, ENGLISH]
EXPECTED_TITLES = [w.titles for w in DRAFTS]


async def catalogue(runtime: Runtime, world: World, drafts: list[WorkDraft]) -> list[Work]:
    partner_id = uuid.UUID(world.national)
    created = []
    async with runtime.db.unit_of_work() as uow:
        for draft in drafts:
            replaced = dataclasses.replace(draft, partner_id=partner_id)
            created.append(await works.create(SYSTEM, replaced, uow=uow, policy=runtime.policy))
    return created


async def exported(runtime: Runtime, format: Format) -> bytes:
    out = io.BytesIO()
    await exporter.export(SYSTEM, out, format, db=runtime.db, policy=runtime.policy, page_size=2)
    return out.getvalue()


async def work_count(runtime: Runtime) -> int:
    async with runtime.db.read() as session:
        return (await session.exec(select(func.count()).select_from(Work))).one()


@pytest.mark.parametrize("format", list(Format))
async def test_export_then_read_gives_back_the_same_works(
    runtime: Runtime, world: World, format: Format, tmp_path: Path
) -> None:
    await catalogue(runtime, world, DRAFTS)
    data = await exported(runtime, format)
    if format is Format.MARCXML:
        assert_valid_marcxml(data, tmp_path)
    assert files.detect(data[:4096]) is format
    entries = list(files.read(io.BytesIO(data), format))
    drafts = [e.draft for e in entries]
    assert all(d is not None for d in drafts)
    read = [d for d in drafts if d is not None]
    assert [d.titles for d in read] == EXPECTED_TITLES
    assert [d.kind for d in read] == [d.kind for d in DRAFTS]
    assert [d.language for d in read] == ["ko", "ru", "en"]
    assert [(d.publisher, d.year, d.subjects) for d in read] == [
        (d.publisher, d.year, d.subjects) for d in DRAFTS
    ]
    identifiers = [sorted((str(s), v) for s, v in d.identifiers) for d in read]
    assert identifiers[1] == [("doi", "10.1000/vestnik.1998"), ("issn", "0378-5955")]
    assert ("isbn", "9780306406157") in identifiers[0] or ("isbn", "978-0-306-40615-7") in (
        identifiers[0]
    )
    assert ("call_number", "PL 913 K56") in identifiers[0]
    if format is not Format.DC:  # simple Dublin Core has no romanized names nor levels
        assert read[0].contributors == KOREAN.contributors
        assert read[0].level is WorkLevel.UNDERGRADUATE


async def test_marc_keeps_original_script_in_linked_880_fields(
    runtime: Runtime, world: World
) -> None:
    await catalogue(runtime, world, [KOREAN])
    data = await exported(runtime, Format.MARC21)
    record = next(iter(MARCReader(io.BytesIO(data), to_unicode=True)))
    assert record is not None
    title = record.get_fields("245")[0]
    assert (title.get("6"), title.get("a")) == ("880-02", "Chosŏnmal munbŏp kyogwasŏ")
    linked = {f.get("6"): f.get("a") for f in record.get_fields("880")}
    assert linked == {"100-01": "김철", "245-02": "조선말 문법 교과서"}
    assert str(record.leader)[6:8] == "am"
    assert record.get_fields("041")[0].get("a") == "kor"


async def test_importing_twice_creates_once_and_then_merges(runtime: Runtime, world: World) -> None:
    await catalogue(runtime, world, DRAFTS)
    data = await exported(runtime, Format.MARCXML)
    report = await importer.import_entries(
        SYSTEM,
        files.read(io.BytesIO(data), Format.MARCXML),
        uuid.UUID(world.donor),
        db=runtime.db,
        policy=runtime.policy,
    )
    # Our own export: 001 (the work id) with 003 recognises every work, whoever imports.
    assert (report.created, report.merged, report.rejected) == (0, 3, 0)
    assert [o.matched_on for o in report.merges] == ["control number"] * 3
    assert await work_count(runtime) == 3
    again = await importer.import_entries(
        SYSTEM,
        files.read(io.BytesIO(data), Format.MARCXML),
        uuid.UUID(world.donor),
        db=runtime.db,
        policy=runtime.policy,
    )
    assert (again.created, again.merged, again.rejected) == (0, 3, 0)
    assert await work_count(runtime) == 3


def marc_record(title: str, isbn: str | None, lang: str = "eng") -> Record:
    record = Record(force_utf8=True)
    record.leader = record.leader[:6] + "am" + record.leader[8:]  # type: ignore[assignment]
    record.fields.append(Field(tag="008", data="190101s2019    xx " + " " * 17 + f"{lang} d"))
    if isbn is not None:
        record.fields.append(
            Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)])
        )
    record.fields.append(
        Field(
            tag="245",
            indicators=Indicators("1", "0"),
            subfields=[Subfield("a", f"{title} /"), Subfield("c", "someone.")],
        )
    )
    record.fields.append(
        Field(tag="500", indicators=Indicators(" ", " "), subfields=[Subfield("a", "A note.")])
    )
    return record


def marc21(*records: Record) -> bytes:
    out = io.BytesIO()
    writer = MARCWriter(out)
    for record in records:
        writer.write(record)
    return out.getvalue()


async def test_isbn10_in_the_file_merges_with_the_stored_isbn13(
    runtime: Runtime, world: World
) -> None:
    [stored] = await catalogue(runtime, world, [KOREAN])
    data = marc21(marc_record("Korean grammar", "0306406152 (pbk.)"))
    outcomes: list[Outcome] = []
    report = await importer.import_entries(
        SYSTEM,
        files.read(io.BytesIO(data), files.detect(data)),
        uuid.UUID(world.national),
        db=runtime.db,
        policy=runtime.policy,
        on_outcome=outcomes.append,
    )
    assert (report.created, report.merged) == (0, 1)
    assert [(o.status, o.work_id) for o in outcomes] == [(Status.MERGED, stored.id)]
    assert await work_count(runtime) == 1


async def test_a_bad_check_digit_keeps_the_record_with_an_invalid_isbn_and_a_warning(
    runtime: Runtime, world: World
) -> None:
    data = marc21(
        marc_record("First good book", "978-3-16-148410-0"),
        marc_record("Bad digit", "0-306-40615-3"),
        marc_record("Учебник физики", "9785020329041", "rus"),
        marc_record("Third good book", None),
    )
    outcomes: list[Outcome] = []
    report = await importer.import_entries(
        SYSTEM,
        files.read(io.BytesIO(data), Format.MARC21),
        uuid.UUID(world.national),
        db=runtime.db,
        policy=runtime.policy,
        batch_size=3,
        on_outcome=outcomes.append,
    )
    assert [o.status for o in outcomes] == [Status.CREATED] * 4
    warned = outcomes[1]
    assert (warned.position, warned.label) == (2, "Bad digit")
    assert warned.warnings == (
        "identifiers: ISBN '0-306-40615-3' is invalid; kept as invalid ISBN",
    )
    assert (report.warned, report.warnings, report.rejections) == (1, [warned], [])
    assert await work_count(runtime) == 4
    async with runtime.db.read() as session:
        listed = await works.relations_of(
            SYSTEM, [warned.work_id or uuid.uuid4()], session=session, policy=runtime.policy
        )
    [kept] = listed[warned.work_id or uuid.uuid4()].identifiers
    assert (kept.scheme, kept.value) == ("invalid_isbn", f"{warned.work_id}:0-306-40615-3")
    async with runtime.db.read() as session:
        russian = (await session.exec(select(Work).where(col(Work.language) == "ru"))).one()
    assert russian.titles == [{"lang": "ru", "value": "Учебник физики"}]
    rerun = await importer.import_entries(
        SYSTEM,
        files.read(io.BytesIO(data), Format.MARC21),
        uuid.UUID(world.national),
        db=runtime.db,
        policy=runtime.policy,
    )
    # The invalid ISBN matches nothing: the record without a valid one matches by title.
    assert (rerun.created, rerun.merged, rerun.rejected) == (0, 4, 0)
    assert [o.matched_on for o in rerun.merges] == [
        "isbn 9783161484100",
        "title, kind, language and year",
        "isbn 9785020329041",
        "title, kind, language and year",
    ]
    assert await work_count(runtime) == 4


async def test_truncated_marc_and_malformed_xml_are_reported_not_raised() -> None:
    data = marc21(marc_record("Whole", None))
    entries = list(files.read(io.BytesIO(data + data[:40]), Format.MARC21))
    assert [e.draft is not None for e in entries] == [True, False]
    assert entries[1].problem == "unreadable record: BaseAddressInvalid"  # 40 bytes of a leader
    xml = b'<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>'
    [broken] = list(files.read(io.BytesIO(xml), Format.MARCXML))
    assert broken.draft is None
    assert broken.problem is not None
    assert broken.problem.startswith("malformed XML")


def test_documents_with_a_dtd_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>'
        b'<collection xmlns="http://www.loc.gov/MARC21/slim"><record>&a;</record></collection>'
    )
    [refused] = list(files.read(io.BytesIO(bomb), Format.MARCXML))
    assert refused.draft is None


def test_format_is_detected_from_the_first_bytes() -> None:
    assert files.detect(
        b"\xef\xbb\xbf  <?xml?><oai_dc:dc xmlns:dc='http://purl.org/dc/elements/1.1/'"
    ) is (Format.DC)
    assert files.detect(marc21(marc_record("x", None))) is Format.MARC21
    with pytest.raises(ValidationFailed) as raised:
        files.detect(b"title,isbn\n")
    assert raised.value.errors[0].code == "unknown_format"
