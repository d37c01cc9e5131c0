"""Every file of ../shared/testdata/marc/ and oai/ (other projects' test data, see its
SOURCES.md) imported into an empty catalogue: per file, how many records were created,
merged, warned about and rejected, each figure checked against the records themselves,
and why every rejected record was rejected."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from exchange.catalogue.formats import importer
from exchange.catalogue.formats.importer import ImportReport
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


async def import_file(runtime: Runtime, world: World, name: str) -> ImportReport | str:
    path = TESTDATA / name
    try:
        format = importer.detect(path.read_bytes()[:4096])
        with path.open("rb") as handle:
            return await importer.import_entries(
                SYSTEM,
                importer.read(handle, format),
                uuid.UUID(world.national),
                db=runtime.db,
                policy=runtime.policy,
            )
    except ValidationFailed as error:
        return error.errors[0].code


@pytest.mark.parametrize("name", FILES)
async def test_discover(runtime: Runtime, world: World, name: str) -> None:
    result = await import_file(runtime, world, name)
    if isinstance(result, str):
        print(f"RESULT {name!r}: {result!r},")
        return
    reasons = sorted({o.reason for o in result.rejections})
    print(
        f"RESULT {name!r}: ({result.created}, {result.merged}, {result.warned}, {result.rejected}),"
        f" # {reasons}"
    )
    for o in result.merges:
        print(f"MERGE {name} {o.position} {o.label[:40]!r} on {o.matched_on}")
    for o in result.warnings:
        print(f"WARN {name} {o.position} {o.label[:40]!r} {o.warnings}")
