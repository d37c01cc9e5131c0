"""``exchange catalogue import`` and ``export`` as an operator uses them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from exchange.catalogue.formats import files, reader
from exchange.catalogue.models import Work
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.catalogue.test_formats import marc21, marc_record
from tests.catalogue.test_round_trip import assert_valid_marcxml
from tests.cli_runner import invoke
from tests.conftest import World


def leftovers(directory: Path) -> list[Path]:
    """Temporary files an export left behind."""
    return list(directory.glob(".*.part"))


async def partners_of_works(runtime: Runtime) -> list[str]:
    async with runtime.db.read() as session:
        rows = await session.exec(select(Work.created_by_partner_id).order_by(col(Work.id)))
        return [str(p) for p in rows.all()]


async def test_import_detects_the_format_shows_progress_and_sums_up(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    file = tmp_path / "records.mrc"
    file.write_bytes(
        marc21(
            marc_record("Grammar of Korean", "0306406152"),
            marc_record("Bad digit", "0-306-40615-3"),
            marc_record("Физика для всех", None, "rus"),
        )
    )
    result = await invoke(settings, "catalogue", "import", str(file))
    assert result.exit_code == 0, result.output
    assert "records.mrc (marc21)" in result.stderr
    assert result.stdout.splitlines() == [
        "created 3, merged 0, rejected 0 (1 with warnings)",
        "  warning, record 2 (Bad digit): identifiers: ISBN '0-306-40615-3' is invalid;"
        " kept as invalid ISBN",
    ]
    # As the system, for the first administrator's partner.
    assert await partners_of_works(runtime) == [world.donor] * 3

    again = await invoke(settings, "catalogue", "import", str(file), "--partner", world.national)
    assert again.stdout.splitlines()[:2] == [
        "created 2, merged 1, rejected 0 (1 with warnings)",
        "  merged record 1 (Grammar of Korean) on isbn 9780306406157",
    ]
    assert len(await partners_of_works(runtime)) == 5  # no identifiers: new for national


async def test_a_file_with_nothing_recognisable_fails_with_a_message(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    file = tmp_path / "empty.xml"
    file.write_bytes(
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        b'<ListRecords xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/></OAI-PMH>'
    )
    result = await invoke(settings, "catalogue", "import", str(file))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (
        "error: file: nothing recognisable: the file holds no record"
    )
    assert await partners_of_works(runtime) == []


async def test_import_refuses_an_unknown_format_and_an_unknown_partner(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    file = tmp_path / "records.csv"
    file.write_text("title,isbn\n")
    result = await invoke(settings, "catalogue", "import", str(file))
    assert result.exit_code == 2
    assert "not MARC21, MARCXML or Dublin Core XML" in result.stderr
    marc = tmp_path / "records.mrc"
    marc.write_bytes(marc21(marc_record("x", None)))
    missing = "01a21321-0000-7000-8000-000000000000"
    result = await invoke(settings, "catalogue", "import", str(marc), "--partner", missing)
    assert (result.exit_code, result.stderr.strip()) == (3, f"error: partner {missing} not found")


async def test_export_writes_every_work_in_the_chosen_format(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    source = tmp_path / "in.mrc"
    source.write_bytes(marc21(*(marc_record(f"Book {n}", None) for n in range(7))))
    await invoke(settings, "catalogue", "import", str(source), "--format", "marc21")
    for format in ("marcxml", "dc", "marc21"):
        out = tmp_path / f"out.{format}"
        result = await invoke(settings, "catalogue", "export", "--format", format, str(out))
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == f"exported 7 works to {out}"
        data = out.read_bytes()
        assert files.detect(data[:4096]) == format
        if format == "marcxml":
            assert_valid_marcxml(data, tmp_path)
        titles = [e.label for e in files.read(io.BytesIO(data), files.Format(format))]
        assert titles == [f"Book {n}" for n in range(7)]
    async with runtime.db.read() as session:
        assert (await session.exec(select(func.count()).select_from(Work))).one() == 7
    assert leftovers(tmp_path) == []


async def test_a_large_file_is_parsed_by_a_child_process_with_the_same_outcome(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(reader, "IN_PROCESS_BELOW", 0)  # every file counts as large
    started: list[str] = []
    real = reader.entries

    def watched(*args: Any, **kwargs: Any) -> Any:
        started.append("child")
        return real(*args, **kwargs)

    monkeypatch.setattr(reader, "entries", watched)
    file = tmp_path / "records.mrc"
    file.write_bytes(
        marc21(marc_record("Grammar of Korean", "0306406152"), marc_record("Bad", "0-306-40615-3"))
    )
    result = await invoke(settings, "catalogue", "import", str(file))
    assert result.exit_code == 0, result.output
    assert started == ["child"]
    assert result.stdout.splitlines()[0] == "created 2, merged 0, rejected 0 (1 with warnings)"
    assert await partners_of_works(runtime) == [world.donor] * 2
