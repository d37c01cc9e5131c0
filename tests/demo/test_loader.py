"""The demo data that the pages' journeys need: a recorded lecture with a video made by
ffmpeg at load time (and the note that says so when ffmpeg is missing), one object under
an open licence, one restricted to a tag no demo partner has and one under embargo, and a
dispatched digital shipment whose signed manifest names its file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from exchange import clock
from exchange.demo import loader
from exchange.manifests import signing
from exchange.runtime import Runtime
from tests.pages.people import rows

OBJECTS = "SELECT filename, media_type, licence, required_tag, embargo_until FROM digital_object"


async def test_demo_has_the_lecture_video_each_licence_and_a_dispatched_digital_shipment(
    runtime: Runtime,
) -> None:
    notes: list[str] = []
    created, logins = await loader.load(runtime, notes=notes)
    assert created
    assert notes == []
    found = {row[0]: row[1:] for row in await rows(runtime, OBJECTS + " WHERE work_id IS NOT NULL")}
    assert found["linear-algebra-lecture-3.webm"] == ("video/webm", "CC-BY-4.0", None, None)
    assert found["jlsa-13-1-contents.txt"][1:3] == (
        "LicenseRef-Northfield-Consortium",
        "northfield-consortium",
    )
    embargo = found["chapter-1-sample.txt"][3]
    assert date.fromisoformat(str(embargo)) > clock.now().date()
    [(size,)] = await rows(runtime, "SELECT size FROM digital_object WHERE filename LIKE '%.webm'")
    assert 100_000 < int(str(size)) < 600_000
    lecture = await rows(
        runtime,
        "SELECT course_number, instructor FROM work WHERE kind = 'recorded_lecture'"
        " ORDER BY course_number, id",
    )
    assert lecture == [
        ("MATH-201", "Han Myŏng-ok"),
        ("MATH-201", "Han Myŏng-ok"),
        ("PHYS-301", "리철"),
    ]

    [(mode, state, manifest)] = await rows(
        runtime, "SELECT mode, state, manifest FROM shipment WHERE mode = 'digital'"
    )
    assert (mode, state) == ("digital", "dispatched")
    [(digest,)] = await rows(
        runtime, "SELECT sha256 FROM digital_object WHERE filename = 'jlsa-volume-12.txt'"
    )
    items = signing.signed_manifest(json.loads(str(manifest))).items
    assert [(item.quantity, item.digital and item.digital.sha256) for item in items] == [
        (2, digest)
    ]

    before = await rows(runtime, "SELECT count(*) FROM digital_object")
    again, _ = await loader.load(runtime, notes=notes)
    assert not again
    assert await rows(runtime, "SELECT count(*) FROM digital_object") == before
    assert len(logins) == 7


async def test_without_ffmpeg_the_demo_says_so_and_loads_the_rest(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH on which there is no ffmpeg
    notes: list[str] = []
    created, _ = await loader.load(runtime, notes=notes)
    assert created
    assert notes == [
        "ffmpeg is not installed (apt-get install ffmpeg): the demo lecture has no video"
    ]
    names = [row[0] for row in await rows(runtime, OBJECTS + " ORDER BY filename")]
    assert names == [
        "chapter-1-sample.txt",
        "dictionary-sample.txt",
        "eigenvalues-slides.pdf",
        "jlsa-13-1-contents.txt",
        "jlsa-volume-12.txt",
        "lecture-3-transcript.txt",
    ]
