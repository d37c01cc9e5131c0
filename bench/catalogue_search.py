"""Catalogue search benchmark: p50/p95 of the first page of 20 results through GraphQL.

Generates ``--works`` works (default 200,000) of mixed scripts (Korean with romanization,
English, Russian, Chinese) with bulk inserts straight into the tables and the search index,
then runs the ``Works`` operation in-process (httpx ASGITransport) for a mix of queries.

    .venv/bin/python bench/catalogue_search.py --works 200000
    .venv/bin/python bench/catalogue_search.py --works 50000 --database-url postgresql+asyncpg://...

The PostgreSQL database must exist and be empty (it is migrated here). ``--quick``: 20,000
works on SQLite, 5 rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import headline
import httpx
import sqlalchemy as sa

from exchange import clock, collector
from exchange.app import create_app
from exchange.catalogue import search
from exchange.catalogue.models import Work, WorkKind
from exchange.db import migrate
from exchange.db.table import table
from exchange.identity.identity import SYSTEM
from exchange.ids import uuid7
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.runtime import Runtime
from exchange.settings import Settings

OPERATION = (
    Path(__file__).resolve().parents[1] / "graphql" / "operations" / "Works.graphql"
).read_text()
KOREAN = [
    ("학습", "haksŭp"),
    ("교과서", "kyogwasŏ"),
    ("수학", "suhak"),
    ("물리학", "mullihak"),
    ("화학", "hwahak"),
    ("대학", "taehak"),
    ("과학", "kwahak"),
    ("기술", "kisul"),
    ("문학", "munhak"),
    ("경제", "kyŏngje"),
    ("농업", "nongŏp"),
    ("의학", "ŭihak"),
    ("기초", "kich'o"),
    ("고등", "kodŭng"),
    ("원리", "wŏlli"),
    ("연구", "yŏn'gu"),
    ("사전", "sajŏn"),
    ("참고서", "ch'amgosŏ"),
    ("력사", "ryŏksa"),
    ("조선어", "chosŏnŏ"),
]
PARTICLES = ["", "의", "와", "에 대한", "을 위한"]
ENGLISH = [
    "introduction",
    "advanced",
    "linear",
    "algebra",
    "physics",
    "chemistry",
    "history",
    "of",
    "modern",
    "science",
    "methods",
    "principles",
    "engineering",
    "mathematics",
    "economics",
    "agriculture",
    "medicine",
    "library",
    "studies",
    "for",
    "students",
    "handbook",
    "theory",
    "applied",
    "analysis",
]
RUSSIAN = [
    "учебник",
    "курс",
    "общей",
    "физики",
    "химии",
    "истории",
    "математики",
    "основы",
    "теории",
    "методы",
    "анализа",
    "механика",
    "экономика",
    "сельского",
    "хозяйства",
    "медицины",
    "для",
    "вузов",
]
CHINESE = [
    "中国",
    "古代",
    "物理学",
    "化学",
    "数学",
    "历史",
    "研究",
    "教程",
    "基础",
    "原理",
    "经济",
    "农业",
    "医学",
    "工程",
    "图书馆",
    "导论",
]
QUERIES = {
    "hangul 2 syllables": ["학습", "수학", "화학", "경제"],
    "hangul 1 syllable": ["학", "업"],
    "hangul 3+ syllables": ["물리학", "교과서의", "대학 학습"],
    "romanization": ["haksup", "kyogwaso", "mullihak chosono"],
    "russian": ["учебник", "физики", "механика для"],
    "chinese": ["物理", "古代物理学", "图书馆"],
    "english": ["physics", "linear algebra", "introduction history"],
    "no match": ["zzzyx"],
    # Read as identifiers too (exchange.catalogue.lookup): the union with the text hits
    "identifiers": ["978-0-201-61622-4", "ISSN 0317-8471", "https://doi.org/10.1000/ABC.1"],
}


def _title(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    script = rng.randrange(4)
    size = rng.randint(2, 5)
    if script == 0:
        words = rng.sample(KOREAN, size)
        hangul = " ".join(w + rng.choice(PARTICLES) for w, _ in words)
        latin = " ".join(r for _, r in words).capitalize()
        return "ko", [("ko-Hang", hangul), ("ko-Latn", latin)]
    if script == 1:
        return "en", [("en", " ".join(rng.sample(ENGLISH, size + 1)).capitalize())]
    if script == 2:
        return "ru", [("ru", " ".join(rng.sample(RUSSIAN, size + 1)).capitalize())]
    return "zh", [("zh-Hans", "".join(rng.sample(CHINESE, size)))]


def _rows(count: int, partner_id: Any, rng: random.Random) -> list[dict[str, Any]]:
    now = clock.now()
    kinds = [k.value for k in WorkKind if k is not WorkKind.CO_PUBLICATION]
    rows = []
    for _ in range(count):
        language, titles = _title(rng)
        text = search.fold("\n".join(value for _, value in titles))
        rows.append(
            {
                "id": uuid7(),
                "kind": rng.choice(kinds),
                "titles": [{"lang": lang, "value": value} for lang, value in titles],
                "publisher": None,
                "year": rng.randint(1950, 2025),
                "language": language,
                "subjects": [],
                "level": None,
                "course_number": None,
                "instructor": None,
                "duration_seconds": None,
                "available_digitally": False,
                "created_by_partner_id": partner_id,
                "search_text": text,
                "search_tokens": search.tokens(text),
                "title_hash": search.title_key(titles[0][1]),
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


async def generate(runtime: Runtime, count: int, seed: int) -> float:
    """Insert ``count`` works; returns the seconds it took."""
    async with runtime.db.unit_of_work() as uow:
        draft = partners.PartnerDraft([("en", "Bench Library")], "CH", PartnerKind.PUBLISHER, [])
        partner = await partners.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    rng = random.Random(seed)
    started = time.perf_counter()
    works = table(Work)
    batch = 5000
    for offset in range(0, count, batch):
        rows = _rows(min(batch, count - offset), partner.id, rng)
        async with runtime.db.writer.begin() as conn:
            await conn.execute(sa.insert(works), rows)
            if runtime.db.dialect == "sqlite":  # as search.index_new does
                await conn.execute(
                    sa.text("INSERT INTO fts_work_key (work_id) VALUES (:id)"),
                    [{"id": r["id"].hex} for r in rows],
                )
                await conn.execute(
                    sa.text(
                        "INSERT INTO fts_work (rowid, tokens, work_id) "
                        "SELECT rowid, :tokens, work_id FROM fts_work_key WHERE work_id = :id"
                    ),
                    [{"tokens": r["search_tokens"], "id": r["id"].hex} for r in rows],
                )
    async with runtime.db.writer.begin() as conn:
        if runtime.db.dialect == "sqlite":
            await conn.execute(sa.text("INSERT INTO fts_work(fts_work) VALUES ('optimize')"))
            await conn.execute(sa.text("ANALYZE"))
    if runtime.db.dialect == "postgresql":  # merge the GIN pending lists of the bulk load,
        async with runtime.db.writer.connect() as conn:  # as autovacuum does in service
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(sa.text("VACUUM ANALYZE work"))
    if runtime.db.dialect == "sqlite":  # fold the bulk load's WAL back in, as a running
        path = sa.make_url(runtime.db.url).database  # service's checkpoints do
        assert path is not None
        await asyncio.to_thread(_checkpoint, path)
    return time.perf_counter() - started


def _checkpoint(path: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(runtime: Runtime, settings: Settings, rounds: int) -> list[float]:
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def run(term: str) -> tuple[float, int]:
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": OPERATION, "variables": {"search": term, "first": 20}}
            )
            elapsed = time.perf_counter() - started
            body = response.json()
            assert "errors" not in body, body
            return elapsed * 1000, len(body["data"]["works"]["edges"])

        for terms in QUERIES.values():  # warm caches and the parser
            for term in terms:
                await run(term)
        everything: list[float] = []
        print(f"{'queries':22} {'p50 ms':>8} {'p95 ms':>8} {'hits/page':>10}")
        for label, terms in QUERIES.items():
            times: list[float] = []
            hits = 0
            for _ in range(rounds):
                for term in terms:
                    elapsed, hits = await run(term)
                    times.append(elapsed)
            everything += times
            print(
                f"{label:22} {_percentile(times, 0.5):8.1f} {_percentile(times, 0.95):8.1f} {hits:10}"
            )
        print(
            f"{'all':22} {statistics.median(everything):8.1f} {_percentile(everything, 0.95):8.1f}"
        )
        return everything


async def main(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-catalogue-"))
    url = args.database_url or f"sqlite+aiosqlite:///{data_dir / 'bench.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    settings = Settings(data_dir=data_dir, database_url=url)
    runtime = Runtime.start(settings)
    try:
        seconds = await generate(runtime, args.works, args.seed)
        print(f"{runtime.db.dialect}: {args.works} works generated in {seconds:.1f} s")
        everything = await measure(runtime, settings, args.rounds)
    finally:
        await runtime.close()
    what = f"GraphQL search, first page of 20, {args.works:,} works, {runtime.db.dialect}"
    headline.emit(
        "catalogue_search",
        [
            headline.Row(f"{what}, p50", statistics.median(everything), "ms"),
            headline.Row(f"{what}, p95", _percentile(everything, 0.95), "ms"),
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=200_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=20, help="repetitions of every query")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="20,000 works, 5 rounds")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a log line per request is not search
    collector.tune()  # as ``exchange serve`` does
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.works, arguments.rounds = 20_000, 5
    asyncio.run(main(arguments))
