"""Catalogue import benchmark: records/s and memory of importing a large MARCXML file.

Writes ``--records`` MARCXML records (default 50,000; Korean with linked 880 originals,
Russian, Chinese, English; 1 in 50 with a wrong ISBN check digit, 1 in 10 without any
identifier) to a file, streaming, then imports it through ``importer.import_entries`` as
the CLI does, sampling the resident set size every ``--sample`` records. Run it again with
``--batch 1`` to see what one transaction per record costs, and with ``--in-process`` to
parse in a thread of the importing process instead of a child process.

    .venv/bin/python bench/catalogue_import.py --records 50000
    .venv/bin/python bench/catalogue_import.py --records 5000 --batch 1
    .venv/bin/python bench/catalogue_import.py --quick   (5,000 records)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import headline
from pymarc import Field, Indicators, Record, Subfield
from stdnum import ean

from exchange import collector
from exchange.catalogue.formats import files, importer, marc, reader
from exchange.catalogue.formats.outcomes import Outcome
from exchange.db import migrate
from exchange.identity.identity import SYSTEM
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.runtime import Runtime
from exchange.settings import Settings

KOREAN = [
    ("학습", "haksŭp"),
    ("교과서", "kyogwasŏ"),
    ("수학", "suhak"),
    ("물리학", "mullihak"),
    ("대학", "taehak"),
    ("문학", "munhak"),
    ("조선어", "chosŏnŏ"),
]
RUSSIAN = ["учебник", "физика", "история", "математика", "химия", "основы", "теория"]
CHINESE = ["物理学", "数学", "教科书", "历史", "化学", "基础"]
ENGLISH = ["introduction", "advanced", "physics", "history", "methods", "principles"]
PAGE = 4096


def rss_kib(pid: str = "self") -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE // 1024
    except FileNotFoundError:  # the process ended between listing and reading
        return 0


def children_rss_kib() -> int:
    """The resident set of this process's children (the reading process)."""
    pids = []
    for children in Path("/proc/self/task").glob("*/children"):
        pids += children.read_text().split()
    return sum(rss_kib(pid) for pid in pids)


def _field(tag: str, subfields: list[tuple[str, str]], ind: str = "  ") -> Field:
    return Field(tag, Indicators(ind[0], ind[1]), [Subfield(c, v) for c, v in subfields])


def record(n: int, rng: random.Random) -> Record:
    rec = Record(force_utf8=True)
    script = n % 4
    lang = ("kor", "rus", "chi", "eng")[script]
    year = 1950 + n % 70
    rec.fields.append(Field("001", data=f"bench{n}"))
    rec.fields.append(Field("008", data=f"240101s{year}    xx " + " " * 17 + f"{lang} d"))
    if n % 10:
        isbn = f"978{n:09d}"
        digit = ean.calc_check_digit(isbn)
        if n % 50 == 1:
            digit = str((int(digit) + 1) % 10)
        rec.fields.append(_field("020", [("a", isbn + digit)]))
    if script == 0:
        words = rng.sample(KOREAN, 3)
        original = " ".join(w for w, _ in words) + f" {n}"
        latin = " ".join(r for _, r in words) + f" {n}"
        rec.fields.append(_field("100", [("6", "880-01"), ("a", "Kim Ch'ŏl")], "1 "))
        rec.fields.append(_field("245", [("6", "880-02"), ("a", latin)], "10"))
        rec.fields.append(_field("880", [("6", "100-01"), ("a", "김철")], "1 "))
        rec.fields.append(_field("880", [("6", "245-02"), ("a", original)], "10"))
    else:
        pool = (RUSSIAN, CHINESE, ENGLISH)[script - 1]
        title = " ".join(rng.sample(pool, 3)) + f" {n}"
        rec.fields.append(_field("100", [("a", "Author, A.")], "1 "))
        rec.fields.append(_field("245", [("a", title)], "10"))
    rec.fields.append(_field("264", [("b", "Publisher"), ("c", str(year))], " 1"))
    rec.fields.append(_field("650", [("a", "Science")], " 4"))
    rec.fields.append(_field("500", [("a", "A note that is ignored.")]))
    return rec


def generate(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<collection xmlns="{marc.MARC_NS}">\n'.encode())
        for n in range(count):
            out.write(ET.tostring(marc.xml_element(record(n, rng)), encoding="utf-8") + b"\n")
        out.write(b"</collection>\n")


async def run(args: argparse.Namespace) -> None:
    directory, url = args.directory, args.url
    runtime = Runtime.start(Settings(data_dir=directory, database_url=url))
    async with runtime.db.unit_of_work() as uow:
        partner = await partners.create(
            SYSTEM,
            partners.PartnerDraft([("en", "Bench")], "DE", PartnerKind.UNIVERSITY_LIBRARY, []),
            uow=uow,
            policy=runtime.policy,
        )
    path = directory / "records.xml"
    started = time.perf_counter()
    generate(path, args.records)
    print(
        f"generated {args.records} records, {path.stat().st_size / 1e6:.1f} MB"
        f" in {time.perf_counter() - started:.1f} s"
    )
    samples: list[int] = [rss_kib()]
    child_samples: list[int] = []

    def sample(outcome: Outcome) -> None:
        if outcome.position % args.sample == 0:
            samples.append(rss_kib())
            child_samples.append(children_rss_kib())

    rates: list[float] = []
    for attempt in ("first import", "rerun"):
        started = time.perf_counter()
        with path.open("rb") as handle:
            records = (
                files.read(handle, files.Format.MARCXML)
                if args.in_process
                else reader.entries(path, files.Format.MARCXML)  # as the CLI reads large files
            )
            report = await importer.import_entries(
                SYSTEM,
                records,
                partner.id,
                db=runtime.db,
                policy=runtime.policy,
                batch_size=args.batch,
                on_outcome=sample,
            )
        elapsed = time.perf_counter() - started
        rates.append(report.total / elapsed)
        print(
            f"{attempt}: {report.total} records in {elapsed:.1f} s = {report.total / elapsed:,.0f}"
            f" records/s (batch {args.batch}); created {report.created}, merged"
            f" {report.merged}, rejected {report.rejected}"
        )
    print("RSS samples (MiB):", " ".join(f"{s / 1024:.0f}" for s in samples))
    if any(child_samples):
        print("reading process RSS (MiB):", " ".join(f"{s / 1024:.0f}" for s in child_samples))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak / 1024:.0f} MiB")
    await runtime.close()
    headline.emit(
        "catalogue_import",
        [
            headline.Row(
                f"MARCXML import, {args.records:,} records, first", rates[0], "records/s", "higher"
            ),
            headline.Row("the same file again (re-import)", rates[1], "records/s", "higher"),
            headline.Row("peak resident memory", peak / 1024, "MiB"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=importer.DEFAULT_BATCH)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--in-process", action="store_true", help="parse in a thread, not a child process"
    )
    parser.add_argument("--quick", action="store_true", help="5,000 records")
    args = parser.parse_args()
    if args.quick:
        args.records, args.sample = 5_000, 1_000
    args.directory = Path(tempfile.mkdtemp(prefix="import-bench-"))
    args.url = args.database_url or f"sqlite+aiosqlite:///{args.directory / 'exchange.sqlite3'}"
    migrate.upgrade(args.url)  # runs its own event loop
    asyncio.run(run(args))


if __name__ == "__main__":
    collector.tune()  # as the exchange command does
    main()
