"""BM25 at scale: bm25s (our `BM25Index`) and rank-bm25 side by side on synthetic corpora.

For `make bench` (never the tests): it takes minutes and several GB at 1M chunks.
Corpora are synthetic: term ranks drawn from a Zipf law (s = 1.07, a vocabulary of 200k
terms, the shape of English word frequencies), document lengths Poisson(50). Query terms
(1-5 a query) follow the same law with the 100 most frequent ranks left out, as our
tokenizer drops stop words. rank-bm25 scores every document in Python for every term,
so it runs only a few queries at 1M chunks.

`run()` returns a markdown section; `python -m eval.bench_bm25_scale [sizes...]` prints it.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from eval.metrics import percentile
from eval.report import markdown_table
from indexer.bm25 import BM25Index, BM25Settings

VOCABULARY = 200_000
ZIPF_S = 1.07
MEAN_LENGTH = 50
SKIP_HEAD = 100
TOP_K = 10
TARGET_P50_MS = 20.0
# rank-bm25 queries per size: ~150 ms each at 100k, ~1.6 s at 1M.
RANK_BM25_QUERIES = {100_000: 20, 1_000_000: 3}


@dataclass(frozen=True)
class EngineRun:
    engine: str
    chunks: int
    build_s: float
    latencies_ms: tuple[float, ...]
    memory_mb: float | None


def synthetic_corpus(n_docs: int, seed: int = 0) -> list[list[str]]:
    """`n_docs` token lists of Zipf-distributed terms ("t0" the most frequent)."""
    rng = np.random.default_rng(seed)
    probabilities = _zipf_probabilities(VOCABULARY)
    lengths = np.maximum(rng.poisson(MEAN_LENGTH, n_docs), 1)
    flat = rng.choice(VOCABULARY, size=int(lengths.sum()), p=probabilities)
    names = [f"t{i}" for i in range(VOCABULARY)]
    words = [names[i] for i in flat.tolist()]
    bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
    return [words[bounds[i] : bounds[i + 1]] for i in range(n_docs)]


def synthetic_queries(n_queries: int, seed: int = 1) -> list[list[str]]:
    """Queries of 1-5 terms from the same Zipf law, stop-word-like head ranks left out."""
    rng = np.random.default_rng(seed)
    probabilities = _zipf_probabilities(VOCABULARY)[SKIP_HEAD:]
    probabilities = probabilities / probabilities.sum()
    sizes = rng.integers(1, 6, n_queries)
    return [
        [f"t{SKIP_HEAD + i}" for i in rng.choice(len(probabilities), size=int(size), p=probabilities)]
        for size in sizes
    ]


def _zipf_probabilities(size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** ZIPF_S
    return weights / weights.sum()


def resident_mb() -> float | None:
    """Current resident set size (Linux /proc), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _timed_ms(function, *args) -> tuple[object, float]:
    start = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - start) * 1000


def bench_bm25s(corpus: list[list[str]], queries: list[list[str]]) -> tuple[EngineRun, list[list[int]]]:
    """Build our BM25Index, warm it with one query, then time `top_k` per query."""
    gc.collect()
    before = resident_mb()
    start = time.perf_counter()
    index = BM25Index.build(corpus, BM25Settings())
    build_s = time.perf_counter() - start
    after = resident_mb()
    index.top_k(queries[0], TOP_K)
    latencies, tops = [], []
    for query in queries:
        (rows, _), ms = _timed_ms(index.top_k, query, TOP_K)
        latencies.append(ms)
        tops.append(rows.tolist())
    memory = after - before if before is not None and after is not None else None
    return EngineRun("bm25s", len(corpus), build_s, tuple(latencies), memory), tops


def bench_rank_bm25(corpus: list[list[str]], queries: list[list[str]]) -> tuple[EngineRun, list[list[int]]]:
    """Build rank-bm25's BM25Okapi (same k1, b) and time `get_scores` + a top-10 sort."""
    from rank_bm25 import BM25Okapi

    settings = BM25Settings()
    gc.collect()
    before = resident_mb()
    start = time.perf_counter()
    reference = BM25Okapi(corpus, k1=settings.k1, b=settings.b)
    build_s = time.perf_counter() - start
    after = resident_mb()
    latencies, tops = [], []
    for query in queries:
        scores, ms = _timed_ms(_rank_bm25_top, reference, query)
        latencies.append(ms)
        tops.append(scores)
    memory = after - before if before is not None and after is not None else None
    return EngineRun("rank-bm25", len(corpus), build_s, tuple(latencies), memory), tops


def _rank_bm25_top(reference, query: list[str]) -> list[int]:
    scores = reference.get_scores(query)
    positive = np.flatnonzero(scores > 0)
    return positive[np.lexsort((positive, -scores[positive]))][:TOP_K].tolist()


def _overlap(ours: list[list[int]], theirs: list[list[int]]) -> float:
    """Mean overlap of the top-10 sets (IDFs differ: Lucene vs floored Robertson)."""
    shares = [len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(ours, theirs)]
    return sum(shares) / len(shares)


def run(sizes: Sequence[int] = (100_000, 1_000_000), queries: int = 200) -> str:
    """Markdown section: build time, p50/p95 query latency and memory per engine and size."""
    query_tokens = synthetic_queries(queries)
    rows, notes = [], []
    for size in sizes:
        corpus = synthetic_corpus(size)
        ours, our_tops = bench_bm25s(corpus, query_tokens)
        n_reference = RANK_BM25_QUERIES.get(size, 5)
        theirs, their_tops = bench_rank_bm25(corpus, query_tokens[:n_reference])
        for result in (ours, theirs):
            rows.append(_row(result))
        notes.append(
            f"- {size:,} chunks: top-10 overlap bm25s vs rank-bm25 over {n_reference} queries "
            f"{_overlap(our_tops[:n_reference], their_tops):.2f}"
        )
        if size == 1_000_000:
            p50 = percentile(list(ours.latencies_ms), 50)
            verdict = "met" if p50 <= TARGET_P50_MS else "NOT met"
            notes.append(f"- target BM25 p50 <= {TARGET_P50_MS:.0f} ms at 1M chunks: {verdict} ({p50:.1f} ms)")
        del corpus
        gc.collect()
    table = markdown_table(
        ["engine", "chunks", "build (s)", "queries", "p50 (ms)", "p95 (ms)", "memory after build (MB)"],
        rows,
        digits=2,
    )
    header = (
        "## BM25 at scale (synthetic corpora)\n\n"
        f"Zipf(s={ZIPF_S}) terms over a {VOCABULARY:,}-term vocabulary, Poisson({MEAN_LENGTH}) "
        f"tokens a chunk; queries of 1-5 terms without the {SKIP_HEAD} most frequent; "
        f"top-{TOP_K}, k1=1.2, b=0.75 (bm25s: Lucene IDF; rank-bm25: BM25Okapi). "
        "Latency is one query at a time, warm; memory is resident-set growth during the build.\n\n"
    )
    return header + table + "\n" + "\n".join(notes) + "\n"


def _row(result: EngineRun) -> list[object]:
    latencies = list(result.latencies_ms)
    return [
        result.engine,
        f"{result.chunks:,}",
        result.build_s,
        len(latencies),
        percentile(latencies, 50),
        percentile(latencies, 95),
        result.memory_mb,
    ]


if __name__ == "__main__":
    chosen = tuple(int(arg) for arg in sys.argv[1:]) or (100_000, 1_000_000)
    sys.stdout.write(run(sizes=chosen))
