"""Issue 11 item 9 on import: characters XML 1.0 forbids are stripped from a record, which
is kept and reported with a warning naming each changed field."""

from __future__ import annotations

import io
import uuid

from pymarc import Field, Indicators, Subfield
from sqlmodel import select

from exchange.catalogue.formats import files, importer
from exchange.catalogue.formats.files import Format
from exchange.catalogue.formats.outcomes import Outcome, Status
from exchange.catalogue.models import Work
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from tests.catalogue.test_formats import marc21, marc_record
from tests.conftest import World


async def test_forbidden_characters_are_stripped_and_reported_per_record(
    runtime: Runtime, world: World
) -> None:
    dirty = marc_record("Bad\x00 ti\x1btle\ufffe", None)
    dirty.fields.append(
        Field(
            tag="264",
            indicators=Indicators(" ", "1"),
            subfields=[Subfield("a", "Pyongyang :"), Subfield("b", "Foreign\x01 Languages")],
        )
    )
    data = marc21(marc_record("Clean book", None), dirty)
    outcomes: list[Outcome] = []
    report = await importer.import_entries(
        SYSTEM,
        files.read(io.BytesIO(data), Format.MARC21),
        uuid.UUID(world.national),
        db=runtime.db,
        policy=runtime.policy,
        on_outcome=outcomes.append,
    )
    assert [o.status for o in outcomes] == [Status.CREATED, Status.CREATED]
    clean, kept = outcomes
    assert clean.warnings == ()
    assert (kept.position, kept.label) == (2, "Bad title")
    assert list(kept.warnings) == [
        "titles[0].value: removed 3 characters that XML 1.0 does not allow",
        "publisher: removed 1 characters that XML 1.0 does not allow",
    ]
    assert (report.created, report.rejected, report.warned) == (2, 0, 1)
    assert report.warnings == [kept]
    async with runtime.db.read() as session:
        row = await session.get(Work, kept.work_id)
        assert row is not None
        assert (row.titles, row.publisher) == (
            [{"lang": "en", "value": "Bad title"}],
            "Foreign Languages",
        )
        assert len((await session.exec(select(Work))).all()) == 2
