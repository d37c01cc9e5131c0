"""Full-text search of the catalogue, the same tokens on SQLite and on PostgreSQL.

Korean, Chinese and Japanese do not separate words (Korean glues particles to them), so
whole-word matching cannot find "학습" in "인민대학습당의". Every run of such characters is
therefore indexed as its overlapping character bigrams plus its last character alone
("대학습" -> "대학 학습 습"): a query of two or more characters becomes a phrase of bigrams,
a one-character query a prefix query on them. Measured against FTS5's trigram tokenizer,
which cannot use its index below three characters (most Korean nouns have two), bigrams
answer every length from the index. Other scripts are indexed as words, folded
(``exchange.folding.fold``: "Taehaksŭptang" -> "taehaksuptang"), and query words
match as prefixes ("учебник" finds "учебника").

- SQLite: the FTS5 table ``fts_work(tokens, work_id UNINDEXED)`` with the unicode61
  tokenizer, and ``fts_work_key(rowid, work_id UNIQUE)`` mapping a work to its FTS rowid
  (FTS5 cannot index ``work_id``: deleting by it would scan the whole table). There are
  no triggers: the catalogue service writes a work's row in the same transaction as the
  work itself (``index_work``, ``index_new`` for a batch of new works). Ranked by
  BM25 of the row alone (``ranking``): a score never depends on the other rows.
- PostgreSQL: the generated column ``work.fts_vector`` = ``to_tsvector('simple',
  search_tokens)`` with a GIN index, ranked by ts_rank normalized by document length
  (like bm25); plus a pg_trgm GIN index on ``search_text``, so a one-word query of three
  characters or more also matches inside words (e.g. "haksup" in "taehaksuptang"), ranked
  after the full-text hits.

Objects named ``fts_*`` are created by hand in the migrations and ignored by autogenerate.

Ranking is capped: a search without filters scores only the first ``RANKED`` matches in
storage order (SQLite: the lowest FTS rowids, found from the index without scoring;
PostgreSQL: the first rows of the GIN bitmap scan), roughly the earliest catalogued, so a
common word costs about what a rare one does.

Pagination: ranked results are ordered by (score, id), lower score first, and the cursor
is that pair, so a page continues where the last one ended without an OFFSET. Each work
that existed when the first page was read comes exactly once, however many works are
catalogued between two page requests (issue 12): no score depends on other works, and
new works never displace old ones from the capped candidates. On SQLite a new FTS row
has a rowid above every other, so the lowest ``RANKED`` stay the same; on PostgreSQL a
new row may land in a heap page freed earlier and be met first, so the cursor also
carries a bound, the greatest work id when the first page was read, and later pages
pick their candidates among the works at or below it (UUIDv7: created before it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import text as text_rule
from exchange.catalogue import ranking
from exchange.errors import InvalidCursor
from exchange.folding import fold as fold  # re-exported: the catalogue folds through it

DENSE = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7a3\uf900-\ufaff\U00020000-\U0002ffff]+"
)
WORD = re.compile(r"[^\W_]+")
MAX_QUERY = 200
# A search without filters ranks at most this many matches (see the module docstring):
# a common word matches 5-20 % of the catalogue, and scoring all of them costs far more
# than the first page is worth. Nobody pages through hundreds of hits; they refine.
# Scoring is most of a search's SQL time (FTS5 reads each candidate's size and positions;
# 2-5 us a row on SQLite at 200,000 works): 500 candidates answer in about 60 % of the
# time 1,000 took, measured with bench/catalogue_search.py.
RANKED = 500


def title_key(title: str) -> str:
    """What two records of one partner must share to be the same work when they carry no
    identifier: the digest of the folded, whitespace-normalized first title. Stored on
    each work (``work.title_hash``, indexed with its partner), so that a large import asks
    the index instead of comparing titles row by row."""
    folded = fold(" ".join(title.split()))
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


def _pieces(word: str) -> list[tuple[bool, str]]:
    """A word cut into (dense?, text) runs: "2차방정식" -> [(False, "2"), (True, "차방정식")]."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for match in DENSE.finditer(word):
        if match.start() > at:
            pieces.append((False, word[at : match.start()]))
        pieces.append((True, match.group()))
        at = match.end()
    if at < len(word):
        pieces.append((False, word[at:]))
    return pieces


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(text: str) -> str:
    """The indexed form of ``text``: space-separated folded words and bigrams."""
    out: list[str] = []
    for word in WORD.findall(fold(text)):
        for dense, piece in _pieces(word):
            out.extend(_bigrams(piece) if dense else [piece])
    return " ".join(out)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search: every term must match. A term is one token (matched as a prefix
    when ``prefix``) or a phrase of bigrams."""

    terms: tuple[tuple[tuple[str, ...], bool], ...]
    text: str

    @classmethod
    def parse(cls, raw: str) -> Query | None:
        raw = text_rule.checked(raw, "search", limit=MAX_QUERY)
        terms: list[tuple[tuple[str, ...], bool]] = []
        for word in WORD.findall(fold(raw)):
            for dense, piece in _pieces(word):
                if dense and len(piece) > 1:
                    terms.append((tuple(piece[i : i + 2] for i in range(len(piece) - 1)), False))
                else:
                    terms.append(((piece,), True))
        if not terms:
            return None
        return cls(tuple(terms), " ".join(fold(raw).split()))

    def fts5(self) -> str:
        parts = []
        for words, prefix in self.terms:
            parts.append(f'"{" ".join(words)}"' + ("*" if prefix else ""))
        return " ".join(parts)

    def tsquery(self) -> str:
        parts = []
        for words, prefix in self.terms:
            if prefix:
                parts.append(f"'{words[0]}':*")
            else:
                parts.append("(" + " <-> ".join(f"'{w}'" for w in words) + ")")
        return " & ".join(parts)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def hits(
    dialect: str, query: Query, *, cap: int | None = None, bound: uuid.UUID | None = None
) -> sa.Subquery:
    """(work_id, score) of every work matching ``query``; lower score ranks first. With
    ``cap``, only the first ``cap`` matches in storage order are ranked (see RANKED), on
    PostgreSQL among the works whose id is at most ``bound`` when it is given."""
    if dialect == "postgresql":
        # One word of three characters or more is looked up inside words too, through the
        # trigram index alone: its full-text matches (prefixes of words, runs of bigrams)
        # are all substrings of the searched text, so the LIKE finds them as well, and one
        # bitmap costs half of two (measured: 2-3 ms each for a common word at 200,000
        # works). Several words are matched as words, through the full-text index.
        inner = len(query.terms) == 1 and len(query.text) >= 3 and WORD.fullmatch(query.text)
        like = f"%{_escape_like(query.text)}%" if inner else None
        match = "work.search_text LIKE :like ESCAPE '\\'" if like else "work.fts_vector @@ q"
        source = "work"
        if cap is not None:  # every piece is a constant of this function
            older = " AND work.id <= :bound" if bound is not None else ""
            source = (
                "(SELECT work.id, work.fts_vector FROM work, to_tsquery('simple', :tsq) AS q "  # noqa: S608
                "WHERE " + match + older + " LIMIT :cap) AS work"
            )
            match = "true"
        statement = sa.text(
            "SELECT work.id AS work_id, CAST(-ts_rank(work.fts_vector, q, 1) AS float8) AS score "
            "FROM " + source + ", to_tsquery('simple', :tsq) AS q WHERE " + match
        ).bindparams(tsq=query.tsquery(), **({"like": like} if like else {}))
        if cap is not None and bound is not None:
            statement = statement.bindparams(sa.bindparam("bound", bound, type_=sa.Uuid()))
    else:
        # FTS5 answers ``rowid <= x`` from its index, so only the first ``cap`` rows are
        # scored; finding x reads rowids alone, in the index's own order, without ranking.
        recent = (
            " AND fts_work.rowid <= (SELECT max(rowid) FROM (SELECT rowid "
            "FROM fts_work WHERE fts_work MATCH :match LIMIT :cap))"
        )
        where = "fts_work MATCH :match" + (recent if cap is not None else "")
        scored, patterns = ranking.sqlite_scored(where, query)
        statement = sa.text(scored).bindparams(match=query.fts5(), **patterns)
    if cap is not None:
        statement = statement.bindparams(cap=cap)
    return statement.columns(work_id=sa.Uuid(), score=sa.Float()).subquery("hits")


async def index_work(
    session: AsyncSession, dialect: str, work_id: uuid.UUID, search_tokens: str
) -> None:
    """Keep SQLite's FTS5 row of a work in step with it (PostgreSQL derives its own).
    The work's FTS rowid is found through ``fts_work_key`` (an index look-up), so the
    old row is deleted without scanning the FTS table."""
    if dialect == "postgresql":
        return
    key = {"id": work_id.hex}
    old_row = sa.text(
        "DELETE FROM fts_work WHERE rowid = (SELECT rowid FROM fts_work_key WHERE work_id = :id)"
    )
    old_key = sa.text("DELETE FROM fts_work_key WHERE work_id = :id")
    # SQLModel's exec runs any statement, but its overloads name only select and DML
    # constructs (not text); its execute is deprecated (a DeprecationWarning per call)
    await session.exec(old_row, params=key)  # type: ignore[call-overload]
    await session.exec(old_key, params=key)  # type: ignore[call-overload]
    await index_new(session, dialect, [(work_id, search_tokens)])


async def index_new(
    session: AsyncSession, dialect: str, works: Sequence[tuple[uuid.UUID, str]]
) -> None:
    """Index works that have no FTS row yet: (work id, search tokens) each, in two
    statements for the whole batch (nothing to delete)."""
    if dialect == "postgresql" or not works:
        return
    keys = sa.text("INSERT INTO fts_work_key (work_id) VALUES (:id)")
    rows = sa.text(
        "INSERT INTO fts_work (rowid, tokens, work_id) "
        "SELECT rowid, :tokens, work_id FROM fts_work_key WHERE work_id = :id"
    )
    # text statements: see index_work
    await session.exec(keys, params=[{"id": w.hex} for w, _ in works])  # type: ignore[call-overload]
    indexed = [{"id": w.hex, "tokens": t} for w, t in works]
    await session.exec(rows, params=indexed)  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a ranked page ended, and the bound of the candidates (see the module)."""

    score: float
    work_id: uuid.UUID
    bound: uuid.UUID | None = None

    def encode(self) -> str:
        parts = [self.score.hex(), self.work_id.hex]
        if self.bound is not None:
            parts.append(self.bound.hex)
        raw = "|".join(parts).encode("ascii")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, cursor: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            score, work_id, *bound = raw.split("|")
            if len(bound) > 1:
                raise ValueError(raw)
            found = uuid.UUID(hex=bound[0]) if bound else None
            rank = float.fromhex(score)
            if not math.isfinite(rank):  # never written by encode
                raise ValueError(raw)
            return cls(rank, uuid.UUID(hex=work_id), found)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursor() from None
