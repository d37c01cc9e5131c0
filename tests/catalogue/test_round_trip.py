"""Export -> import is the identity, for generated works of every kind, in MARC 21, MARCXML
and Dublin Core: the work read back validates into the same rows as the work written.

Compared: the audit document of the validated work (every column the catalogue keeps,
contributors, identifiers, co-authors). Identifiers are compared as a set: each format
writes them grouped by scheme. Simple Dublin Core has no place for romanized names,
roles other than author, instructors and levels: for DC those are compared as DC can
carry them. Journal issues are not written by any of the three formats (and not
generated). Texts are generated without ISBD's trailing punctuation (" /:;,=."), which the
MARC reader strips from every record.
"""

from __future__ import annotations

import io
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import ean, issn

from exchange.catalogue import rows
from exchange.catalogue.formats import exporter, files
from exchange.catalogue.formats.files import Format
from exchange.catalogue.formats.records import Described
from exchange.catalogue.identifiers import written
from exchange.catalogue.models import IdentifierScheme, Work, WorkKind, WorkLevel
from exchange.catalogue.relations import Contributor, Identifier
from exchange.catalogue.validation import ContributorDraft, ContributorRole, WorkDraft

XSD = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "xsd"
PARTNER = uuid.UUID("01a21321-0000-7000-8000-00000000aaaa")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WORDS = ["physics", "Grammar", "학습", "교과서", "учебник", "история", "物理学", "Émile", "d'Arc"]
LANGUAGES = ["en", "ko", "ru", "zh", "fr", "de", "ar"]
TAGS = ["en", "ko-Hang", "ko-Latn", "ru", "ru-Latn", "zh-Hans", "fr", "en-US"]

text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


@st.composite
def isbns(draw: st.DrawFn) -> str:
    body = "978" + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    return body + ean.calc_check_digit(body)


@st.composite
def issns(draw: st.DrawFn) -> str:
    body = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=7, max_size=7)))
    return body + issn.calc_check_digit(body)


qualifiers = st.sampled_from(["", " (v1)", " (pbk.)", " :"])
identifiers = st.one_of(
    st.tuples(isbns(), qualifiers).map(lambda v: (IdentifierScheme.ISBN, v[0] + v[1])),
    issns().map(lambda v: (IdentifierScheme.ISSN, v)),
    st.integers(1000, 99999).map(lambda n: (IdentifierScheme.DOI, f"10.{n}/x.{n}")),
    text.map(lambda v: (IdentifierScheme.CALL_NUMBER, f"PL {v[:40]}")),
    st.sampled_from(["0192553350", "12345"]).map(lambda v: (IdentifierScheme.INVALID_ISBN, v)),
)


@st.composite
def works(draw: st.DrawFn) -> WorkDraft:
    kind = draw(st.sampled_from(WorkKind))
    titles = draw(st.lists(text, min_size=1, max_size=3, unique=True))
    contributors = [
        ContributorDraft(name, draw(st.sampled_from(ContributorRole)), draw(st.none() | text))
        for name in draw(st.lists(text, max_size=3))
    ]
    lecture = kind is WorkKind.RECORDED_LECTURE
    co_authors = [uuid.UUID(int=n) for n in range(1, draw(st.integers(2, 3)) + 1)]
    return WorkDraft(
        kind=kind,
        titles=[(draw(st.sampled_from(TAGS)), title) for title in titles],
        language=draw(st.sampled_from(LANGUAGES)),
        partner_id=PARTNER,
        contributors=contributors,
        publisher=draw(st.none() | text),
        year=draw(st.none() | st.integers(1000, 2030)),
        subjects=draw(st.lists(text, max_size=3, unique=True)),
        level=draw(st.none() | st.sampled_from(WorkLevel)),
        identifiers=draw(st.lists(identifiers, max_size=4, unique_by=lambda i: i[1])),
        co_author_partner_ids=co_authors if kind is WorkKind.CO_PUBLICATION else [],
        course_number=draw(st.none() | text.map(lambda v: v[:50])) if lecture else None,
        instructor=draw(st.none() | text) if lecture else None,
        duration_seconds=draw(st.none() | st.integers(1, 86_400)) if lecture else None,
    )


def prepared(draft: WorkDraft, work_id: uuid.UUID) -> rows.Prepared:
    known = set(draft.co_author_partner_ids)
    return rows.prepare(draft, work_id, PARTNER, known, NOW)


def described(draft: WorkDraft) -> Described:
    work_id = uuid.uuid4()
    item = prepared(draft, work_id)
    work = Work(
        **item.work,
        id=work_id,
        created_by_partner_id=PARTNER,
        created_at=NOW,
        available_digitally=False,
    )
    people = [Contributor(c["name"], c["romanized"], c["role"]) for c in item.contributors]
    codes = [Identifier(i["scheme"], i["value"], i["qualifier"]) for i in item.identifiers]
    return Described(work, people, codes, sorted(set(draft.co_author_partner_ids)))


def file_of(works: list[Described], format: Format) -> bytes:
    body = b"".join(exporter.serialize(w, format) for w in works)
    return exporter.HEADERS[format] + body + exporter.FOOTERS[format]


def audit(item: rows.Prepared, format: Format) -> dict[str, Any]:
    document = dict(item.audit)
    document["identifiers"] = sorted(document["identifiers"])
    if format is Format.DC:
        document["contributors"] = [
            [name, None, "author" if role == "author" else "contributor"]
            for name, _, role in document["contributors"]
        ]
        document.update(level=None, instructor=None)
    return document


def assert_valid_marcxml(data: bytes, tmp: Path) -> None:
    """``xmllint --schema MARC21slim.xsd`` accepts ``data``."""
    path = tmp / "export.xml"
    path.write_bytes(data)
    schema = str(XSD / "MARC21slim.xsd")
    result = subprocess.run(
        ["xmllint", "--noout", "--schema", schema, str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def round_trip(drafts: list[WorkDraft], format: Format, tmp: Path | None = None) -> None:
    written = [described(d) for d in drafts]
    data = file_of(written, format)
    if tmp is not None:
        assert_valid_marcxml(data, tmp)
    entries = list(files.read(io.BytesIO(data), format))
    assert [(e.problem, e.warnings) for e in entries] == [(None, ())] * len(drafts)
    assert [e.control for e in entries] == [w.work.id for w in written]
    for entry, work in zip(entries, written, strict=True):
        assert entry.draft is not None
        back = prepared(entry.draft, work.work.id)
        assert audit(back, format) == audit(prepared(work_draft(work), work.work.id), format)


def work_draft(described: Described) -> WorkDraft:
    """What was written, as a draft (the stored form validates to itself)."""
    work = described.work
    return WorkDraft(
        kind=WorkKind(work.kind),
        titles=[(t["lang"], t["value"]) for t in work.titles],
        language=work.language,
        partner_id=PARTNER,
        contributors=[
            ContributorDraft(c.name, ContributorRole(c.role), c.romanized)
            for c in described.contributors
        ],
        publisher=work.publisher,
        year=work.year,
        subjects=list(work.subjects),
        level=None if work.level is None else WorkLevel(work.level),
        identifiers=[
            (IdentifierScheme(i.scheme), written(i.scheme, i.value, i.qualifier))
            for i in described.identifiers
        ],
        co_author_partner_ids=list(described.co_author_ids),
        course_number=work.course_number,
        instructor=work.instructor,
        duration_seconds=work.duration_seconds,
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(works(), min_size=1, max_size=4))
def test_marc21_export_then_import_is_the_identity(drafts: list[WorkDraft]) -> None:
    round_trip(drafts, Format.MARC21)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drafts=st.lists(works(), min_size=1, max_size=4))
def test_marcxml_export_then_import_is_the_identity_and_valid(
    drafts: list[WorkDraft], tmp_path: Path
) -> None:
    round_trip(drafts, Format.MARCXML, tmp_path)


@settings(max_examples=100, deadline=None)
@given(st.lists(works(), min_size=1, max_size=4))
def test_dublin_core_export_then_import_is_the_identity(drafts: list[WorkDraft]) -> None:
    round_trip(drafts, Format.DC)
