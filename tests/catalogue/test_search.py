"""How text becomes index tokens and queries, identically for SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import sqlite3
import unicodedata
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.catalogue import ranking
from exchange.catalogue.search import Cursor, Query, fold, tokens
from exchange.errors import ValidationFailed


def test_fold_removes_case_and_diacritics_but_keeps_hangul() -> None:
    assert fold("Taehaksŭptang P'YŎNGYANG") == "taehaksuptang p'yongyang"
    assert fold("인민대학습당") == "인민대학습당"
    assert fold("Ёлка") == "елка"


@given(st.text())
def test_fold_is_decompose_strip_marks_recompose_casefold_for_any_text(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    assert fold(text) == unicodedata.normalize("NFC", stripped).casefold()


def test_dense_scripts_are_indexed_as_bigrams_and_a_last_character() -> None:
    assert tokens("인민대학습당의 교과서") == "인민 민대 대학 학습 습당 당의 의 교과 과서 서"
    assert tokens("物理学") == "物理 理学 学"
    assert tokens("2차방정식 Physics, Физика") == "2 차방 방정 정식 식 physics физика"


def test_queries_become_bigram_phrases_and_prefixes() -> None:
    query = Query.parse("대학습 학 Taehak")
    assert query is not None
    assert query.fts5() == '"대학 학습" "학"* "taehak"*'
    assert query.tsquery() == "('대학' <-> '학습') & '학':* & 'taehak':*"


def test_queries_without_words_are_no_search() -> None:
    assert Query.parse(" -- '' ") is None


def test_query_text_cannot_inject_syntax() -> None:
    query = Query.parse('"OR" NEAR(x) \' & !')
    assert query is not None
    assert query.fts5() == '"or"* "near"* "x"*'


def test_overlong_queries_are_rejected() -> None:
    with pytest.raises(ValidationFailed) as raised:
        Query.parse("x" * 201)
    assert [(e.field, e.code) for e in raised.value.errors] == [("search", "too_long")]


def test_cursor_round_trips_exactly_and_rejects_garbage() -> None:
    cursor = Cursor(-1.2345678901234567, uuid.UUID("0190b6a0-0000-7000-8000-000000000001"))
    assert Cursor.decode(cursor.encode()) == cursor
    bounded = Cursor(-0.5, cursor.work_id, uuid.UUID("0190b6a0-0000-7000-8000-0000000000ff"))
    assert Cursor.decode(bounded.encode()) == bounded
    assert bounded.encode() != Cursor(-0.5, cursor.work_id).encode()
    four = f"{(-0.5).hex()}|{cursor.work_id.hex}|{cursor.work_id.hex}|{cursor.work_id.hex}"
    with pytest.raises(ValidationFailed):
        Cursor.decode(base64.urlsafe_b64encode(four.encode()).decode())
    with pytest.raises(ValidationFailed):
        Cursor.decode("bm90IGEgY3Vyc29y")


def occurrences(row: list[str], words: tuple[str, ...], prefix: bool) -> int:
    """How often a term occurs among a row's tokens, read left to right without overlaps."""
    if prefix:
        return sum(token.startswith(words[0]) for token in row)
    count, at = 0, 0
    while at + len(words) <= len(row):
        if tuple(row[at : at + len(words)]) == words:
            count, at = count + 1, at + len(words)
        else:
            at += 1
    return count


def bm25_without_corpus(row: list[str], query: Query) -> float:
    norm = ranking.K1 * (1 - ranking.B + ranking.B * len(row) / ranking.AVERAGE_TOKENS)
    total = 0.0
    for words, prefix in query.terms:
        tf = occurrences(row, words, prefix)
        total += tf * (ranking.K1 + 1) / (tf + norm)
    return -total


SYLLABLES = st.sampled_from(["학습", "대학", "학", "atlas", "at", "maps", "물리"])


@given(st.lists(st.lists(SYLLABLES, min_size=1, max_size=30), min_size=1, max_size=8), st.data())
def test_sqlite_scores_are_bm25_of_the_row_alone(
    rows: list[list[str]], data: st.DataObject
) -> None:
    terms = []
    row = data.draw(st.sampled_from(rows))
    for _ in range(data.draw(st.integers(1, 3))):  # words, prefixes or phrases of one row
        at = data.draw(st.integers(0, len(row) - 1))
        words = tuple(row[at : at + data.draw(st.integers(1, 2))])
        terms.append((words, len(words) == 1 and data.draw(st.booleans())))
    query = Query(tuple(terms), "")
    scored, patterns = ranking.sqlite_scored("fts_work MATCH :match", query)
    database = sqlite3.connect(":memory:")
    database.execute("CREATE VIRTUAL TABLE fts_work USING fts5(tokens, work_id UNINDEXED)")
    database.executemany(
        "INSERT INTO fts_work (tokens, work_id) VALUES (?, ?)",
        [(" ".join(row), str(n)) for n, row in enumerate(rows)],
    )
    found = database.execute(
        scored,
        {"match": query.fts5(), **patterns},
    ).fetchall()
    database.close()
    assert str(rows.index(row)) in {work_id for work_id, _ in found}
    for work_id, value in found:
        assert value == pytest.approx(bm25_without_corpus(rows[int(work_id)], query), rel=1e-12)
