"""The examples of issue 12, one test each: what a record matches (and never matches), and
the field-level leniency of imports (a warning, never the loss of the record)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from pymarc import Field, Indicators, MARCReader, Record, Subfield
from stdnum import ean

from exchange.catalogue import service as works
from exchange.catalogue.formats import files, importer, matching
from exchange.catalogue.formats.files import Format
from exchange.catalogue.formats.outcomes import ImportReport, Status
from exchange.catalogue.formats.records import Entry
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.catalogue.test_formats import catalogue, exported, marc21, work_count
from tests.catalogue.test_round_trip import round_trip
from tests.conftest import World

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"
ISBN, CALL = IdentifierScheme.ISBN, IdentifierScheme.CALL_NUMBER


def isbn13(body: str) -> str:
    return body + ean.calc_check_digit(body)


def field(tag: str, *subfields: tuple[str, str], ind: str = "  ") -> Field:
    return Field(tag, Indicators(ind[0], ind[1]), [Subfield(c, v) for c, v in subfields])


def book(title: str, *fields: Field, year: str = "1998", lang: str = "eng") -> Record:
    record = Record(force_utf8=True)
    record.leader = record.leader[:6] + "am" + record.leader[8:]  # type: ignore[assignment]
    record.fields.append(Field("008", data=f"990101s{year}    xx " + " " * 17 + f"{lang} d"))
    record.fields.extend(fields)
    record.fields.append(field("245", ("a", f"{title} /"), ("c", "Jane Austen."), ind="10"))
    return record


async def run(runtime: Runtime, world: World, data: bytes) -> ImportReport:
    return await importer.import_entries(
        SYSTEM,
        files.read(io.BytesIO(data), files.detect(data[:4096])),
        uuid.UUID(world.national),
        db=runtime.db,
        policy=runtime.policy,
    )


async def test_three_editions_sharing_a_call_number_are_three_works(
    runtime: Runtime, world: World
) -> None:
    isbns = [isbn13(f"97801414395{n}") for n in range(3)]
    records = [
        book(
            "Pride and prejudice",
            field("020", ("a", i)),
            field("050", ("a", "PR4034"), ("b", ".P7 1998")),
        )
        for i in isbns
    ]
    report = await run(runtime, world, marc21(*records))
    assert (report.created, report.merged, report.rejected) == (3, 0, 0)
    async with runtime.db.read() as session:
        ids = [o.work_id for o in report.merges]
        assert ids == []
        listed = await works.list(
            SYSTEM, works.WorkFilter(), 10, None, session=session, policy=runtime.policy
        )
        found = await works.relations_of(
            SYSTEM, [r.work.id for r in listed.items], session=session, policy=runtime.policy
        )
    kept = sorted(
        sorted((i.scheme, i.value.rpartition(":")[2]) for i in r.identifiers)
        for r in found.values()
    )
    assert kept == [[("call_number", "PR4034 .P7 1998"), ("isbn", i)] for i in isbns]
    again = await run(runtime, world, marc21(*records))
    assert [o.matched_on for o in again.merges] == [f"isbn {i}" for i in isbns]


async def test_pride_and_prejudice_merges_only_on_a_shared_isbn(
    runtime: Runtime, world: World
) -> None:
    data = (TESTDATA / "marc" / "marc4j" / "pride-and-prejudice-fixed.mrc").read_bytes()
    entries = {e.position: e for e in files.read(io.BytesIO(data), Format.MARC21)}
    report = await run(runtime, world, data)
    assert (report.created, report.merged, report.rejected) == (353, 30, 0)
    for merge in report.merges:
        draft = entries[merge.position].draft
        assert draft is not None
        scheme, _, value = (merge.matched_on or "").partition(" ")
        assert scheme == "isbn"
        assert ("isbn", value) in matching.keys(draft)


async def test_our_own_exports_are_recognised_by_their_control_number(
    runtime: Runtime, world: World
) -> None:
    partners = [uuid.UUID(world.national), uuid.UUID(world.donor)]
    drafts = [
        WorkDraft(kind=kind, titles=[("en", f"A {kind.value} work")], language="en", year=2020)
        for kind in WorkKind
        if kind not in (WorkKind.CO_PUBLICATION, WorkKind.RECORDED_LECTURE)
    ]
    drafts += [
        WorkDraft(
            kind=WorkKind.CO_PUBLICATION,
            titles=[("ko-Hang", "공동 출판"), ("en", "A co-publication")],
            language="en",
            co_author_partner_ids=partners,
        ),
        WorkDraft(
            kind=WorkKind.RECORDED_LECTURE,
            titles=[("en", "Linear algebra, lecture 3")],
            language="en",
            course_number="MATH 221",
            instructor="Kim Il",
            duration_seconds=3_125,
        ),
        WorkDraft(
            kind=WorkKind.TEXTBOOK,
            titles=[("ru", "Физика")],
            language="ru",
            identifiers=[(ISBN, "978-0-306-40615-7"), (CALL, "QC 21")],
        ),
        WorkDraft(kind=WorkKind.OTHER, titles=[("en", "A field guide")], language="en"),
        WorkDraft(
            kind=WorkKind.JOURNAL,
            titles=[("ru", "Вестник")],
            language="ru",
            identifiers=[(IdentifierScheme.ISSN, "0378-5955"), (IdentifierScheme.DOI, "10.1000/v")],
        ),
    ]
    await catalogue(runtime, world, drafts)
    assert await work_count(runtime) == 9
    for format in Format:
        report = await run(runtime, world, await exported(runtime, format))
        assert (report.created, report.merged, report.rejected, report.warned) == (0, 9, 0, 0)
        assert {o.matched_on for o in report.merges} == {"control number"}
    assert await work_count(runtime) == 9


def test_a_korean_title_of_an_english_work_lecture_fields_and_co_authors_round_trip() -> None:
    korean = WorkDraft(
        kind=WorkKind.TEXTBOOK,
        titles=[("ko-Hang", "조선말"), ("en", "Korean")],
        language="en",
        level=WorkLevel.GRADUATE,
    )
    lecture = WorkDraft(
        kind=WorkKind.RECORDED_LECTURE,
        titles=[("en", "Thermodynamics")],
        language="en",
        contributors=[ContributorDraft("Ri Su", ContributorRole.INSTRUCTOR)],
        course_number="PHYS 301",
        duration_seconds=5_400,
    )
    joint = WorkDraft(
        kind=WorkKind.CO_PUBLICATION,
        titles=[("en", "Joint atlas")],
        language="en",
        co_author_partner_ids=[uuid.UUID(int=1), uuid.UUID(int=2)],
    )
    for format in Format:
        round_trip([korean, lecture, joint], format)


def read_one(data: bytes, format: Format) -> Entry:
    [entry] = list(files.read(io.BytesIO(data), format))
    return entry


def test_isbn_qualifiers_year_and_obsolete_language_are_read_not_rejected() -> None:
    record = book(
        "Razum i osjecaji",
        field("020", ("a", "0192553356 :")),
        field("020", ("a", "0192547011 (v1)")),
        field("020", ("a", "0-397-47189-17")),
        field("260", ("a", "Bangkok :"), ("b", "Dokya,"), ("c", "2546 [2003]")),
        year="2003",
        lang="scr",
    )
    entry = read_one(marc21(record), Format.MARC21)
    assert entry.draft is not None
    assert entry.draft.identifiers == [
        (ISBN, "0192553356"),
        (ISBN, "0192547011 (v1)"),
        (IdentifierScheme.INVALID_ISBN, "0-397-47189-17"),
    ]
    assert (entry.draft.year, entry.draft.language) == (2003, "hr")
    assert entry.warnings == (
        "language: obsolete MARC code 'scr' read as 'hr'",
        "year: '2546 [2003]' read as 2003 (from 008)",
        "identifiers: ISBN '0-397-47189-17' is invalid; kept as invalid ISBN",
    )


def dc_file(*records: str, wrapper: str = "oai_dc:dc") -> bytes:
    namespaces = (
        'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:srw_dc="info:srw/schema/1/dc-schema" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    )
    body = "".join(f"<{wrapper}>{r}</{wrapper}>" for r in records)
    return f"<records {namespaces}>{body}</records>".encode()


def test_dublin_core_languages_and_long_subjects_warn_and_keep_the_record() -> None:
    long = "Marketing; " * 12
    data = dc_file(
        "<dc:title>One</dc:title><dc:language>en-US</dc:language>",
        "<dc:title>Two</dc:title><dc:language>en_US</dc:language>",
        f"<dc:title>Three</dc:title><dc:language>other</dc:language><dc:subject>{long}</dc:subject>",
        wrapper="srw_dc:dc",
    )
    assert files.detect(data) is Format.DC
    entries = list(files.read(io.BytesIO(data), Format.DC))
    drafts = [e.draft for e in entries]
    assert [(d.language, d.titles) for d in drafts if d is not None] == [
        ("en", [("en-US", "One")]),
        ("en", [("en-US", "Two")]),
        ("und", [("und", "Three")]),
    ]
    assert drafts[2] is not None
    assert drafts[2].subjects == [long.strip()[:99].rstrip() + "…"]
    assert [e.warnings for e in entries] == [
        (),
        (),
        (
            "language: 'other' is no language tag; read as 'und'",
            "subject: cut to 100 characters",
        ),
    ]


def test_marc8_character_references_are_decoded_and_garbled_text_is_flagged() -> None:
    ncr = book("&#x0397; agora", field("260", ("b", "Plaza &amp; Janés")))
    entry = read_one(marc21(ncr), Format.MARC21)
    assert entry.draft is not None
    assert (entry.draft.titles[0][1], entry.draft.publisher) == ("Η agora", "Plaza & Janés")
    greek = (TESTDATA / "marc" / "marc4j" / "greekmissingcharsetchange.mrc").read_bytes()
    second = list(files.read(io.BytesIO(greek), Format.MARC21))[1].draft
    assert second is not None
    assert second.titles[0][1].startswith("Η αγορά στη Μεσόγειο : από τους Ομηρικούς")
    cp1251 = (TESTDATA / "marc" / "pymarc" / "1251.dat").read_bytes()
    for cyrillic in files.read(io.BytesIO(cp1251), Format.MARC21):
        assert cyrillic.warnings[0].startswith("title: ")
        assert cyrillic.warnings[0].endswith(
            "holds no letter: perhaps not in the encoding the record declares"
        )
    bad = read_one(
        (TESTDATA / "marc" / "ruby-marc" / "utf8_with_bad_bytes.marc").read_bytes(), Format.MARC21
    )
    assert bad.warnings[0].endswith("holds U+FFFD: bytes not in the encoding the record declares")


def test_a_malformed_marcxml_record_is_reported_and_the_next_read() -> None:
    data = (TESTDATA / "marc" / "ruby-marc" / "three-records-second-bad.xml").read_bytes()
    entries = list(files.read(io.BytesIO(data), Format.MARCXML))
    assert [(e.position, e.label, e.problem is None) for e in entries] == [
        (1, "The Texas ranger", True),
        (2, "record 2", False),
        (3, "The Texas ranger", True),
    ]
    assert (entries[1].problem or "").startswith("malformed XML: ")


def test_unimarc_core_fields_are_read_and_holdings_refused_by_name() -> None:
    data = (TESTDATA / "marc" / "pymarc" / "testunimarc.dat").read_bytes()
    entry = next(iter(files.read(io.BytesIO(data), Format.MARC21)))
    assert entry.warnings == ("format: UNIMARC, its core fields read",)
    assert entry.draft == WorkDraft(
        kind=WorkKind.TEXTBOOK,
        titles=[("it", "℗L'℗altra faccia della spirale")],
        language="it",
        contributors=[
            ContributorDraft("Asimov, Isaac", ContributorRole.AUTHOR),
            ContributorDraft("Fruttero, Carlo", ContributorRole.CONTRIBUTOR),
            ContributorDraft("Lucentini, Franco", ContributorRole.CONTRIBUTOR),
            ContributorDraft("Scaglia, Cesare", ContributorRole.CONTRIBUTOR),
        ],
        publisher="A. Mondadori",
        year=1996,
        identifiers=[(ISBN, "88-04-40682-8")],
    )
    holdings = (TESTDATA / "marc" / "marc4j" / "sample1.mrc").read_bytes()
    problems = [e.problem for e in files.read(io.BytesIO(holdings), Format.MARC21)]
    assert problems == [None, "a holdings record (leader/06 x), not a work's description"] * 4


async def test_an_invalid_isbn_matches_nothing(runtime: Runtime, world: World) -> None:
    data = marc21(
        book("First", field("020", ("z", "0192553350"))),
        book("Second", field("020", ("a", "0192553350"))),
    )
    report = await run(runtime, world, data)
    assert (report.created, report.merged, report.warned) == (2, 0, 1)
    assert [o.status for o in report.warnings] == [Status.CREATED]


async def test_an_isbn_qualifier_is_kept_and_exported_in_its_own_subfield(
    runtime: Runtime, world: World
) -> None:
    await run(runtime, world, marc21(book("Novels", field("020", ("a", "0192547011 (v1)")))))
    data = await exported(runtime, Format.MARC21)
    [record] = list(MARCReader(io.BytesIO(data), to_unicode=True))
    assert record is not None
    [isbn] = record.get_fields("020")
    assert isbn.subfields == [Subfield("a", "9780192547019"), Subfield("q", "v1")]
    report = await run(runtime, world, data)
    assert [o.matched_on for o in report.merges] == ["control number"]
