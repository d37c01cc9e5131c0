"""Every file of ../shared/testdata/marc/ and oai/ (other projects' test data, see its
SOURCES.md) imported into an empty catalogue: per file, how many records were created,
merged, warned about and rejected, and the reason of every rejection.

The figures were checked against the records (read with pymarc, yaz-style dumps and the
XML itself), kind by kind:

- merges: records of one file that share a valid ISBN (brkrtest's eight LC test records
  carry one ISBN; chinese_mangled_multibyte and greekmissingcharsetchange are one book
  several times; the Pride-and-Prejudice files repeat ISBNs of multi-volume sets and
  reprints), or, without any identifier, the same title, kind, language and year
  (three-records-second-bad's first and third record are one record; OtoData's three
  DSpace items). None is by call number: see test_import_rules.
- warnings: UNIMARC records (CNMARC records inside the Pride-and-Prejudice files,
  testunimarc), invalid ISBNs kept as such, ``2546 [2003]``, the obsolete code ``scr``,
  U+FFFD from MARC-8 read as UTF-8 (marc8_accented_chars, utf8_with_bad_bytes, the French,
  Swedish, Finnish, Spanish records of the "many errors" file), letterless text from
  Windows-1251 read as MARC-8 (1251.dat, all six), DSpace ``other`` languages and subjects
  over 100 characters (fake1-00005: 2 + 7; fake2-00002: 23 + 17).
- MARC transmission files are split at record terminators, not by leader lengths: a
  record whose leader states a wrong length is read, with a warning (bad_too_long_plus_2,
  error, bad_subfield_code), and never takes the records after it along.
- rejections: holdings records (leader/06 x: sample1 4 of 8, sample1a 5 of 9); a record
  with no title at all (escaped_character_reference: 001 and 260 only); records pymarc
  cannot split (bad lengths, directories, base addresses, missing terminators: named by
  pymarc's exception); the malformed second record of three-records-second-bad.
- files with no record (OAI-PMH Identify, ListSets, ListIdentifiers, errors): refused as
  ``unknown_format`` (nothing in them is MARC or Dublin Core) or ``no_records`` (a
  ListMetadataFormats or empty ListRecords naming oai_dc): never "0 created" and success.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from exchange.catalogue.formats import files, importer
from exchange.catalogue.formats.outcomes import ImportReport
from exchange.errors import ValidationFailed
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.conftest import World

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"
FILES = sorted(
    str(p.relative_to(TESTDATA))
    for folder in ("marc", "oai")
    for p in (TESTDATA / folder).rglob("*")
    if p.is_file()
)
# file: (created, merged, warned, rejected, reasons of the rejections), or the error code
# of a file that holds no record.
EXPECTED: dict[str, tuple[int, int, int, int, tuple[str, ...]] | str] = {
    "marc/marc4j/008008027.mrc": (18, 0, 0, 1, ("unreadable record: TruncatedRecord",)),
    "marc/marc4j/065001035.mrc": (40, 0, 0, 0, ()),
    "marc/marc4j/1474920681_KOHA_LFL_5.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/1474920681_KOHA_LFL_6_with_comment.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/185258.mrc": (0, 0, 0, 1, ("unreadable record: UnicodeDecodeError",)),
    "marc/marc4j/54-56-008008027.mrc": (5, 0, 0, 0, ()),
    "marc/marc4j/OCLC_814388508.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/azdoud.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/bad-characters-in-various-fields.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/bad_hathi_records.mrc": (
        4,
        0,
        0,
        1,
        ("unreadable record: RecordDirectoryInvalid",),
    ),
    "marc/marc4j/bad_leaders_10_11.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/bad_oversize_field_bad_directory.mrc": (
        4,
        0,
        0,
        1,
        ("unreadable record: RecordDirectoryInvalid",),
    ),
    "marc/marc4j/bad_too_long_plus_2.mrc": (3, 0, 1, 0, ()),
    "marc/marc4j/brkrtest.mrc": (2, 6, 0, 0, ()),
    "marc/marc4j/brkrtest_UTF8.mrc": (2, 6, 0, 0, ()),
    "marc/marc4j/chabon-bad-subfields-element.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/chabon-loc.mrc": (2, 0, 0, 0, ()),
    "marc/marc4j/chabon-missing-controlfield-tag.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/chabon-missing-datafield-tag.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/chabon-missing-subfield-code.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/chabon-record-type-bad.xml": (2, 0, 0, 0, ()),
    "marc/marc4j/chabon-record-type.xml": (2, 0, 0, 0, ()),
    "marc/marc4j/chabon.mrc": (2, 0, 0, 0, ()),
    "marc/marc4j/chabon.xml": (2, 0, 0, 0, ()),
    "marc/marc4j/chinese_mangled_multibyte.mrc": (1, 3, 0, 0, ()),
    "marc/marc4j/cruel-cruel-indicatorless-summerland.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/cyrillic_capital_e.mrc": (2, 0, 0, 0, ()),
    "marc/marc4j/datos-20161010-slice.mrc": (
        0,
        0,
        0,
        1,
        ("unreadable record: UnicodeDecodeError",),
    ),
    "marc/marc4j/diacritic4.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/dp_004015001.mrc": (3, 0, 0, 0, ()),
    "marc/marc4j/error.mrc": (1, 0, 1, 0, ()),
    "marc/marc4j/field700_4_test.mrc": (2, 0, 0, 0, ()),
    "marc/marc4j/getty_test_1.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/getty_test_output.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/greekmissingcharsetchange.mrc": (1, 2, 0, 0, ()),
    "marc/marc4j/incomplete_esc_seq.mrc": (0, 0, 0, 1, ("unreadable record: UnicodeDecodeError",)),
    "marc/marc4j/kan1222221.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/loongboonmee.mrc": (2, 0, 0, 0, ()),
    "marc/marc4j/not_unimarc_errors_3.mrc": (3, 0, 0, 0, ()),
    "marc/marc4j/oclc_63111280_export_as_UTF8_from_connexion.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/pride-and-prejudice-fixed.mrc": (353, 30, 20, 0, ()),
    "marc/marc4j/pride-and-prejudice-with-many-errors.mrc": (
        339,
        28,
        45,
        16,
        ("unreadable record: RecordDirectoryInvalid",),
    ),
    "marc/marc4j/rec1.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/rec2.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/rec3.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/sample1.mrc": (
        4,
        0,
        0,
        4,
        ("a holdings record (leader/06 x), not a work's description",),
    ),
    "marc/marc4j/sample1a.xml": (
        4,
        0,
        0,
        5,
        ("a holdings record (leader/06 x), not a work's description",),
    ),
    "marc/marc4j/selectedRecs.mrc": (11, 0, 0, 0, ()),
    "marc/marc4j/summerland-record-with-type.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/summerland-record.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/summerland.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/summerland.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/summerlandwith710.xml": (1, 0, 0, 0, ()),
    "marc/marc4j/u17_utf8.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/u335.mrc": (1, 0, 0, 0, ()),
    "marc/marc4j/unordered-directory-entries.mrc": (1, 0, 0, 0, ()),
    "marc/pymarc/1251.dat": (6, 0, 6, 0, ()),
    "marc/pymarc/alphatag.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/bad_eacc_encoding.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/bad_indicator.dat": (1, 0, 0, 0, ()),
    # its bad escape leaves an ESC in the publisher: stripped, with a warning (issue 11)
    "marc/pymarc/bad_marc8_escape.dat": (1, 0, 1, 0, ()),
    "marc/pymarc/bad_records.mrc": (
        1,
        1,
        0,
        6,
        (
            "unreadable record: BaseAddressInvalid",
            "unreadable record: BaseAddressNotFound",
            "unreadable record: NoFieldsFound",
            "unreadable record: RecordDirectoryInvalid",
            "unreadable record: UnicodeDecodeError",
            "unreadable record: ValueError",
        ),
    ),
    "marc/pymarc/bad_subfield_code.dat": (1, 0, 1, 0, ()),
    "marc/pymarc/bad_tag.xml": (1, 0, 0, 0, ()),
    "marc/pymarc/batch.xml": (2, 0, 0, 0, ()),
    "marc/pymarc/diacritic.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/marc.dat": (20, 0, 0, 0, ()),
    "marc/pymarc/marc8.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/multi_isbn.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/one.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/regression45.dat": (12, 0, 0, 0, ()),
    "marc/pymarc/test.dat": (10, 0, 0, 0, ()),
    "marc/pymarc/testunimarc.dat": (1, 0, 1, 0, ()),
    "marc/pymarc/utf8.xml": (1, 0, 0, 0, ()),
    "marc/pymarc/utf8_errors.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/utf8_invalid.mrc": (1, 0, 0, 0, ()),
    "marc/pymarc/utf8_with_leader_flag.dat": (1, 0, 0, 0, ()),
    "marc/pymarc/utf8_without_leader_flag.dat": (1, 0, 0, 0, ()),
    "marc/ruby-marc/bad_eacc_encoding.marc8.marc": (1, 0, 0, 0, ()),
    "marc/ruby-marc/batch.dat": (10, 0, 0, 0, ()),
    "marc/ruby-marc/batch.xml": (2, 0, 0, 0, ()),
    "marc/ruby-marc/cp866_multirecord.marc": (0, 0, 0, 2, ("unreadable record: TruncatedRecord",)),
    "marc/ruby-marc/cp866_unimarc.marc": (0, 0, 0, 1, ("unreadable record: TruncatedRecord",)),
    "marc/ruby-marc/escaped_character_reference.marc8.marc": (
        0,
        0,
        0,
        1,
        ("titles: at least one title is required",),
    ),
    "marc/ruby-marc/marc8_accented_chars.marc": (1, 0, 1, 0, ()),
    "marc/ruby-marc/marc_with_bad_utf8.utf8.marc": (
        0,
        0,
        0,
        1,
        ("unreadable record: UnicodeDecodeError",),
    ),
    "marc/ruby-marc/messed_up_leader.xml": (1, 0, 0, 0, ()),
    "marc/ruby-marc/no-leading-zero.xml": (1, 0, 0, 0, ()),
    "marc/ruby-marc/non-numeric.dat": (1, 0, 0, 0, ()),
    "marc/ruby-marc/non-numeric.xml": (1, 0, 0, 0, ()),
    "marc/ruby-marc/one.dat": (1, 0, 0, 0, ()),
    "marc/ruby-marc/one.xml": (1, 0, 0, 0, ()),
    "marc/ruby-marc/random_tag_order.dat": (1, 0, 0, 0, ()),
    "marc/ruby-marc/random_tag_order2.dat": (1, 0, 0, 0, ()),
    "marc/ruby-marc/three-records-second-bad.xml": (
        1,
        1,
        0,
        1,
        ("malformed XML: not well-formed (invalid token): line 18, column 28",),
    ),
    "marc/ruby-marc/utf8.marc": (1, 0, 0, 0, ()),
    "marc/ruby-marc/utf8_multirecord.marc": (1, 1, 0, 0, ()),
    "marc/ruby-marc/utf8_with_bad_bytes.marc": (1, 0, 1, 0, ()),
    "oai/pyoai/fake1-00000.xml": "unknown_format",
    "oai/pyoai/fake1-00001.xml": "unknown_format",
    "oai/pyoai/fake1-00002.xml": "no_records",
    "oai/pyoai/fake1-00003.xml": "unknown_format",
    "oai/pyoai/fake1-00004.xml": (1, 0, 0, 0, ()),
    "oai/pyoai/fake1-00005.xml": (16, 0, 9, 0, ()),
    "oai/pyoai/fake1-00006.xml": (1, 0, 0, 0, ()),
    "oai/pyoai/fake2-00000.xml": "unknown_format",
    "oai/pyoai/fake2-00001.xml": (1, 0, 0, 0, ()),
    "oai/pyoai/fake2-00002.xml": (77, 2, 40, 0, ()),
    "oai/pyoai/fake3-00001.xml": "unknown_format",
    "oai/pyoai/fake4-00001.xml": "unknown_format",
    "oai/pyoai/fake5-00001.xml": "unknown_format",
    "oai/sickle/GetRecord.xml": (1, 0, 0, 0, ()),
    "oai/sickle/GetRecord_utf8test.xml": (1, 0, 0, 0, ()),
    "oai/sickle/Identify.xml": "unknown_format",
    "oai/sickle/ListIdentifiers.xml": "unknown_format",
    "oai/sickle/ListIdentifiers2.xml": "unknown_format",
    "oai/sickle/ListMetadataFormats.xml": "no_records",
    "oai/sickle/ListRecords.xml": (1, 0, 0, 0, ()),
    "oai/sickle/ListRecords2.xml": (1, 0, 0, 0, ()),
    "oai/sickle/ListRecords3.xml": (1, 0, 0, 0, ()),
    "oai/sickle/ListRecords4.xml": (1, 0, 0, 0, ()),
    "oai/sickle/ListRecordsBroken.xml": "unknown_format",
    "oai/sickle/ListSets.xml": "unknown_format",
    "oai/sickle/badArgument.xml": "unknown_format",
    "oai/sickle/badResumptionToken.xml": "unknown_format",
    "oai/sickle/cannotDisseminateFormat.xml": "unknown_format",
    "oai/sickle/idDoesNotExist.xml": "unknown_format",
    "oai/sickle/noRecordsMatch.xml": "unknown_format",
    "oai/sickle/noSetHierarchy.xml": "unknown_format",
    "oai/sickle/undefinedError.xml": "unknown_format",
}


async def import_file(runtime: Runtime, world: World, name: str) -> ImportReport | str:
    path = TESTDATA / name
    try:
        format = files.detect(path.read_bytes()[:4096])
        with path.open("rb") as handle:
            return await importer.import_entries(
                SYSTEM,
                files.read(handle, format),
                uuid.UUID(world.national),
                db=runtime.db,
                policy=runtime.policy,
            )
    except ValidationFailed as error:
        return error.errors[0].code


def test_the_table_names_every_file() -> None:
    assert sorted(EXPECTED) == FILES


@pytest.mark.parametrize("name", FILES)
async def test_every_file_imports_as_checked(runtime: Runtime, world: World, name: str) -> None:
    result = await import_file(runtime, world, name)
    if isinstance(result, str):
        assert result == EXPECTED[name]
        return
    reasons = tuple(sorted({o.reason for o in result.rejections}))
    counts = (result.created, result.merged, result.warned, result.rejected, reasons)
    assert counts == EXPECTED[name]
    assert all(o.matched_on for o in result.merges)
