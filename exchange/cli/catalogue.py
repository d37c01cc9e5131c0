"""``exchange catalogue``: import and export MARC21, MARCXML and Dublin Core files."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click._termui_impl import ProgressBar

from exchange import text
from exchange.catalogue.formats import exporter, files, importer, reader
from exchange.catalogue.formats.files import Format
from exchange.catalogue.formats.outcomes import ImportReport
from exchange.catalogue.formats.records import Entry
from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.errors import ValidationFailed
from exchange.identity.identity import SYSTEM
from exchange.ids import parse_id
from exchange.runtime import Runtime

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

FORMATS = click.Choice([f.value for f in Format])
SHOWN = 20


class _Counted(io.RawIOBase):
    """A file whose reads advance a progress bar by the bytes read."""

    def __init__(self, raw: io.RawIOBase, bar: ProgressBar[int]) -> None:
        self._raw = raw
        self._bar = bar

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # a malformed MARCXML file is read again, record by record
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def readinto(self, buffer: WriteableBuffer) -> int:
        count = self._raw.readinto(buffer) or 0
        self._bar.update(count)
        return count


@click.group(name="catalogue")
def catalogue_group() -> None:
    """The catalogue of works."""


@catalogue_group.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_name", type=FORMATS, default=None, help="Default: detected.")
@click.option("--partner", "partner_id", default=None, help="Default: the first admin's partner.")
@click.option("--batch", "batch_size", type=click.IntRange(1, 10_000), default=500)
@click.pass_context
def import_(
    ctx: click.Context, file: Path, format_name: str | None, partner_id: str | None, batch_size: int
) -> None:
    """Catalogue every record of FILE, as the system acting for a partner."""
    try:
        with file.open("rb") as probe:
            format = Format(format_name) if format_name else files.detect(probe.read(4096))
        wanted = None if partner_id is None else parse_id(partner_id, "partner")
    except ValidationFailed as error:
        raise click.UsageError(error.message) from None
    size = file.stat().st_size

    async def work(runtime: Runtime) -> ImportReport:
        async with runtime.db.read() as session:
            partner = await importer.partner_for(session, wanted)
        bar: ProgressBar[int] = click.progressbar(
            length=size, label=text.for_terminal(f"{file.name} ({format})"), file=sys.stderr
        )
        with bar, contextlib.ExitStack() as stack:
            records: Iterator[Entry]
            if size >= reader.IN_PROCESS_BELOW:  # parse on another core
                parsed = reader.entries(
                    file, format, on_progress=lambda at: bar.update(at - bar.pos)
                )
                stack.callback(parsed.close)  # stops the child if the import fails
                records = parsed
            else:
                raw = stack.enter_context(file.open("rb", buffering=0))
                assert isinstance(raw, io.RawIOBase)
                records = files.read(io.BufferedReader(_Counted(raw, bar)), format)
            return await importer.import_entries(
                SYSTEM,
                records,
                partner,
                db=runtime.db,
                policy=runtime.policy,
                batch_size=batch_size,
            )

    report = with_runtime(ctx, work)
    say(
        f"created {report.created}, merged {report.merged}, rejected {report.rejected}"
        f" ({report.warned} with warnings)"
    )
    for outcome in report.merges[:SHOWN]:
        say(f"  merged record {outcome.position} ({outcome.label}) on {outcome.matched_on}")
    if report.merged > SHOWN:
        say(f"  ... and {report.merged - SHOWN} more merged")
    for outcome in report.rejections[:SHOWN]:
        say(f"  rejected record {outcome.position} ({outcome.label}): {outcome.reason}")
    if report.rejected > SHOWN:
        say(f"  ... and {report.rejected - SHOWN} more rejected")
    for outcome in report.warnings:  # every one kept: each is a change to a record
        for warning in outcome.warnings:
            say(f"  warning, record {outcome.position} ({outcome.label}): {warning}")


@catalogue_group.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--format", "format_name", type=FORMATS, required=True)
@click.pass_context
def export(ctx: click.Context, file: Path, format_name: str) -> None:
    """Write every work of the catalogue to FILE."""
    tmp = file.with_name(f".{file.name}.part")

    async def work(runtime: Runtime) -> int:
        with tmp.open("wb") as handle:
            return await exporter.export(
                SYSTEM, handle, Format(format_name), db=runtime.db, policy=runtime.policy
            )

    try:
        count = with_runtime(ctx, work)
        tmp.replace(file)
    finally:
        tmp.unlink(missing_ok=True)
    say(f"exported {count} works to {file}")
