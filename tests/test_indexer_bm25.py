"""BM25Index (bm25s) against hand-computed values, its storage, and rank-bm25 as reference."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from corpus.errors import IndexStoreError, SettingsError
from indexer.bm25 import BM25Index, BM25Settings, rank_bm25_scores
from indexer.tokenizer import Tokenizer, TokenizerSettings

DOCUMENTS = Path(__file__).resolve().parents[1] / "corpus" / "documents"
# A hand corpus: N = 3, average length 2.
TINY = [["port", "cargo", "port"], ["cargo", "nansha"], ["nansha"]]


def lucene(tf: int, df: int, dl: int, n: int = 3, avgdl: float = 2.0, k1=1.2, b=0.75) -> float:
    """Lucene BM25 as bm25s computes it (no (k1+1) factor), written out by hand."""
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf / (tf + k1 * (1 - b + b * dl / avgdl))


@pytest.fixture(scope="module")
def tiny() -> BM25Index:
    return BM25Index.build(TINY, BM25Settings())


def test_scores_match_the_lucene_formula(tiny: BM25Index) -> None:
    expected = [lucene(2, 1, 3) + lucene(1, 2, 3), lucene(1, 2, 2), 0.0]
    assert np.allclose(tiny.scores(["port", "cargo"]), expected, rtol=1e-6)
    assert len(tiny) == 3


def test_top_k_is_best_first_and_drops_non_matching_rows(tiny: BM25Index) -> None:
    rows, scores = tiny.top_k(["port", "cargo"], 3)
    assert rows.tolist() == [0, 1]  # row 2 scores 0: never returned
    assert np.allclose(scores, [lucene(2, 1, 3) + lucene(1, 2, 3), lucene(1, 2, 2)], rtol=1e-6)
    rows, _ = tiny.top_k(["port", "cargo"], 1)
    assert rows.tolist() == [0]


@pytest.mark.parametrize("query", [["unknown"], [], [""]])
def test_a_query_that_matches_nothing_returns_nothing(tiny: BM25Index, query: list[str]) -> None:
    rows, scores = tiny.top_k(query, 5)
    assert rows.size == 0 and scores.size == 0
    assert tiny.scores(query).tolist() == [0.0, 0.0, 0.0]


def test_ties_are_broken_by_row() -> None:
    index = BM25Index.build([["x"], ["y"], ["x"], ["x"], ["z"], ["x"]], BM25Settings())
    for k in (1, 2, 3, 4, 10):
        rows, scores = index.top_k(["x"], k)
        assert rows.tolist() == [0, 2, 3, 5][:k]
        assert len(set(scores.tolist())) == 1


def test_bad_k_and_empty_corpus() -> None:
    with pytest.raises(SettingsError):
        BM25Index.build(TINY, BM25Settings()).top_k(["port"], 0)
    with pytest.raises(IndexStoreError):
        BM25Index.build([], BM25Settings())
    with pytest.raises(IndexStoreError, match="single term"):
        BM25Index.build([[], []], BM25Settings())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k1": -0.1}, "k1"),
        ({"k1": "1.2"}, "k1"),
        ({"b": 1.5}, "b"),
        ({"method": "okapi"}, "'lucene', 'robertson', 'atire'"),
    ],
)
def test_bad_settings(kwargs: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        BM25Settings(**kwargs)


def test_settings_to_dict() -> None:
    assert BM25Settings().to_dict() == {"k1": 1.2, "b": 0.75, "method": "lucene"}
    assert BM25Settings(**BM25Settings(k1=0.9, b=0.4).to_dict()) == BM25Settings(k1=0.9, b=0.4)


def test_save_and_load_plain_files(tiny: BM25Index, tmp_path: Path) -> None:
    tiny.save(tmp_path / "bm25")
    names = sorted(path.name for path in (tmp_path / "bm25").iterdir())
    assert all(name.endswith((".npy", ".json")) for name in names), names
    for path in (tmp_path / "bm25").glob("*.npy"):
        np.load(path, allow_pickle=False)  # raises if anything was pickled
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.settings == tiny.settings and len(loaded) == 3
    assert np.array_equal(loaded.scores(["port", "nansha"]), tiny.scores(["port", "nansha"]))


def test_load_refuses_incomplete_or_corrupted(tiny: BM25Index, tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match="rebuild"):
        BM25Index.load(tmp_path / "nothing-here")
    tiny.save(tmp_path / "bm25")
    (tmp_path / "bm25" / "vocab.index.json").unlink()
    with pytest.raises(IndexStoreError, match="vocab.index.json"):
        BM25Index.load(tmp_path / "bm25")
    tiny.save(tmp_path / "bad")
    (tmp_path / "bad" / "bm25_settings.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexStoreError, match="unreadable"):
        BM25Index.load(tmp_path / "bad")
    tiny.save(tmp_path / "rows")
    payload = json.loads((tmp_path / "rows" / "bm25_settings.json").read_text(encoding="utf-8"))
    (tmp_path / "rows" / "bm25_settings.json").write_text(json.dumps({**payload, "rows": 7}))
    with pytest.raises(IndexStoreError, match="7"):
        BM25Index.load(tmp_path / "rows")
    tiny.save(tmp_path / "params")
    params_path = tmp_path / "params" / "params.index.json"
    params = json.loads(params_path.read_text(encoding="utf-8"))
    params_path.write_text(json.dumps({**params, "k1": 2.0}), encoding="utf-8")
    with pytest.raises(IndexStoreError, match="k1, b, method"):
        BM25Index.load(tmp_path / "params")


# --- the bundled corpus: Chinese matches, and agreement with rank-bm25 -----------------

QUERIES = [
    "What was Jiangmen's GDP in 2016?",
    "香港的人均GDP是多少?",
    "Nansha port container throughput",
    "一带一路 沿海省份",
    "permanent population of Shenzhen",
    "粤港澳大湾区 城市 面积",
    "Macao business conference",
    "集装箱吞吐量 万标箱",
    "per capita disposable income Guangzhou",
    "15th five-year plan high-quality Belt and Road",
    "常住人口",
    "innovation",
]


@pytest.fixture(scope="module")
def bundled() -> tuple[list[str], Tokenizer, list[list[str]]]:
    """Paragraph chunks (non-empty lines) of the bundled documents, tokenized."""
    lines = [
        line
        for path in sorted(DOCUMENTS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    tokenizer = Tokenizer(TokenizerSettings())
    return lines, tokenizer, tokenizer.tokenize_many(lines)


def _reference_order(scores: np.ndarray, k: int) -> list[int]:
    positive = np.flatnonzero(scores > 0)
    return positive[np.lexsort((positive, -scores[positive]))][:k].tolist()


@pytest.mark.parametrize("query", ["香港的人均GDP是多少?", "常住人口", "江门 面积"])
def test_chinese_query_scores_chinese_text_above_zero(bundled, query: str) -> None:
    lines, tokenizer, tokens = bundled
    index = BM25Index.build(tokens, BM25Settings())
    rows, scores = index.top_k(tokenizer.tokenize(query), 5)
    assert rows.size > 0 and scores[0] > 0
    top = lines[rows[0]]
    assert any("\u4e00" <= char <= "\u9fff" for char in top), top


def test_robertson_ranks_exactly_like_rank_bm25(bundled) -> None:
    """Same k1, b: bm25s 'robertson' = rank-bm25 BM25Okapi / (k1 + 1), hence the same order,
    as long as no query term is in more than half the chunks (where the IDF floors differ:
    bm25s 0, rank-bm25 epsilon x mean IDF); checked below."""
    _, tokenizer, tokens = bundled
    settings = BM25Settings(k1=1.2, b=0.75, method="robertson")
    index = BM25Index.build(tokens, settings)
    doc_freq: dict[str, int] = {}
    for chunk in tokens:
        for term in set(chunk):
            doc_freq[term] = doc_freq.get(term, 0) + 1
    for query in QUERIES:
        query_tokens = tokenizer.tokenize(query)
        assert max(doc_freq.get(t, 0) for t in query_tokens) <= len(tokens) / 2
        reference = rank_bm25_scores(tokens, query_tokens, settings)
        rows, scores = index.top_k(query_tokens, 10)
        assert rows.size > 0, query
        assert rows.tolist() == _reference_order(reference, 10), query
        assert np.allclose(reference / (settings.k1 + 1), index.scores(query_tokens), rtol=1e-5)


def test_lucene_agrees_with_rank_bm25_on_single_terms_and_the_top_hit(bundled) -> None:
    """The Lucene IDF log(1 + x) is a monotone function of rank-bm25's log(x), so one-term
    queries order identically; with several terms the IDF ratios differ a little and
    neighbours further down may swap (e.g. ranks 4/5), but the best chunk is the same."""
    _, tokenizer, tokens = bundled
    settings = BM25Settings()
    index = BM25Index.build(tokens, settings)
    for query in QUERIES:
        query_tokens = tokenizer.tokenize(query)
        reference = rank_bm25_scores(tokens, query_tokens, settings)
        rows, _ = index.top_k(query_tokens, 10)
        expected = _reference_order(reference, 10)
        if len(set(query_tokens)) == 1:
            assert rows.tolist() == expected, query
        else:
            assert rows[0] == expected[0], query


def test_idf_flooring_differs_for_a_term_in_most_chunks() -> None:
    """'common' is in 3 of 4 chunks: Robertson IDF log(1.5/3.5) < 0. rank-bm25 replaces it
    by 0.25 x mean IDF (> 0); bm25s robertson floors it at 0 (no hits); lucene stays > 0."""
    chunks = [["common", "alpha"], ["common", "beta"], ["common", "gamma"], ["delta", "x"]]
    settings = BM25Settings(method="robertson")
    reference = rank_bm25_scores(chunks, ["common"], settings)
    idfs = [math.log((4 - df + 0.5) / (df + 0.5)) for df in (3, 1, 1, 1, 1, 1)]  # 6 terms
    epsilon_idf = 0.25 * sum(idfs) / len(idfs)
    tf_part = 1 * 2.2 / (1 + 1.2)  # every chunk has length 2 = avgdl
    assert np.allclose(reference, [epsilon_idf * tf_part] * 3 + [0.0])
    robertson = BM25Index.build(chunks, settings)
    assert robertson.top_k(["common"], 4)[0].size == 0
    lucene_rows, lucene_scores = BM25Index.build(chunks, BM25Settings()).top_k(["common"], 4)
    assert lucene_rows.tolist() == [0, 1, 2]
    assert np.allclose(lucene_scores, [math.log(1 + 1.5 / 3.5) / 2.2] * 3, rtol=1e-6)


def test_loaded_scores_are_bm25s_bit_for_bit(bundled, tmp_path: Path) -> None:
    """A loaded index scores with its own posting-list sums, not bm25s: the scores must be
    exactly bm25s's, for every query of the bundled set (repeated terms included)."""
    _, tokenizer, tokens = bundled
    built = BM25Index.build(tokens, BM25Settings())
    built.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    for query in [*QUERIES, "port port cargo"]:
        terms = tokenizer.tokenize(query)
        assert np.array_equal(loaded.scores(terms), built.scores(terms)), query
        assert [r.tolist() for r in loaded.top_k(terms, 10)[:1]] == [r.tolist() for r in built.top_k(terms, 10)[:1]]
    with pytest.raises(IndexStoreError, match="read-only"):
        loaded.save(tmp_path / "again")


def test_loading_and_querying_does_not_import_bm25s(tiny: BM25Index, tmp_path: Path) -> None:
    """bm25s pulls in scipy.sparse (about half a second): a cold `qa ask` must not pay it."""
    import subprocess
    import sys

    tiny.save(tmp_path / "bm25")
    code = (
        "import sys; from indexer.bm25 import BM25Index; "
        f"i = BM25Index.load({str(tmp_path / 'bm25')!r}); print(i.top_k(['port'], 2)[0].tolist()); "
        "print('bm25s' in sys.modules, 'scipy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.split("\n")[:2] == ["[0]", "False False"]
