"""qa.passages.spread_tables: at most N rows of one table ahead of other passages."""

import pytest

from corpus.errors import SettingsError
from corpus.types import Chunk, Fact
from indexer.types import Hit
from qa.passages import spread_tables
from qa.settings import QASettings


def _row(chunk_id: str, table: str) -> Chunk:
    fact = Fact(doc_id="d", table_id=table, row_label="r", column_labels=("c",), raw="1", value=1.0,
                unit=None, start=0, end=1)
    return Chunk(chunk_id=chunk_id, doc_id="d", start=0, end=1, text="row", kind="table_row", facts=(fact,))


CHUNKS = {
    **{f"a{i}": _row(f"a{i}", "A") for i in range(5)},
    "b0": _row("b0", "B"),
    "p0": Chunk(chunk_id="p0", doc_id="d", start=0, end=1, text="prose", kind="prose"),
    "p1": Chunk(chunk_id="p1", doc_id="d", start=0, end=1, text="prose", kind="prose"),
}


def _hits(ids: str) -> list[Hit]:
    return [Hit(chunk_id=c, score=1.0 / (i + 1), rank=i + 1, source="test") for i, c in enumerate(ids.split())]


def test_rows_beyond_the_limit_give_way_to_other_passages():
    hits = _hits("a0 a1 a2 a3 b0 p0 a4 p1")
    spread = spread_tables(hits, CHUNKS.__getitem__, 2, depth=5)
    assert [h.chunk_id for h in spread] == ["a0", "a1", "b0", "p0", "p1"]  # still in score order
    assert [h.score for h in spread] == sorted((h.score for h in spread), reverse=True)
    assert [h.rank for h in spread] == [1, 2, 3, 4, 5]


def test_rows_fill_up_when_nothing_else_is_left():
    hits = _hits("a0 a1 a2 p0 a3")
    assert [h.chunk_id for h in spread_tables(hits, CHUNKS.__getitem__, 2, depth=4)] == ["a0", "a1", "a2", "p0"]


def test_no_limit_keeps_the_best():
    hits = _hits("a0 a1 a2 p0")
    assert spread_tables(hits, CHUNKS.__getitem__, 0, depth=3) == hits[:3]


@pytest.mark.parametrize("value", [-1, 1.5, True, "3"])
def test_limit_must_be_a_whole_number(value):
    with pytest.raises(SettingsError, match="max_rows_per_table"):
        QASettings(max_rows_per_table=value)
