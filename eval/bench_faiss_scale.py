"""Dense retrieval at scale: faiss exact (flat) vs HNSW (our `DenseIndex`) on synthetic vectors.

For `make bench` (never the tests): the HNSW build at 1M vectors takes minutes and ~4 GB.
Uniform random unit vectors defeat any approximate index (every point is about equally
far from every other), and real sentence embeddings are nothing like them: they gather in
topics, and within a topic vary along few directions. So the synthetic corpus is a mixture
of CENTRES random topic centres; each point is its centre plus a displacement inside the
topic's own SUBSPACE-dimensional subspace plus a little isotropic noise, normalised.
Queries are fresh draws from the same mixture with extra noise (a question is worded
unlike any passage), never corpus members. Latency is one query at a time, as a user
asks, warm; recall@10 is HNSW's top-10 against the exact top-10.

`run()` returns a markdown section; `python -m eval.bench_faiss_scale [sizes...]` prints it.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.bench_bm25_scale import resident_mb
from eval.metrics import percentile
from eval.report import markdown_table
from indexer.dense import DenseIndex, FaissSettings

log = logging.getLogger(__name__)

DIM = 384  # all-MiniLM-L6-v2
CENTRES = 2_000
SUBSPACE = 16
SPREAD = 0.7  # length of the in-topic displacement relative to the unit centre
NOISE = 0.25  # isotropic noise, same scale
QUERY_NOISE = 0.2
TOP_K = 10
# Lighter than FaissSettings' defaults (M=32, efC=200): on this shared 2-core machine those
# took 307 s to build 100k vectors, so ~1 h for 1M; M=16, efC=64 took ~10 min for 1M.
# The sparser graph needs a larger efSearch for the same recall (measured at 1M: 0.90 at
# 128, ~0.95 at 256), which costs little here: a query stays around 1 ms.
BENCH_HNSW = FaissSettings(kind="hnsw", hnsw_m=16, ef_construction=64, ef_search=256)
EF_SEARCH = (16, 64, 128, 256, 512, 1024)
TARGET_P50_MS = 20.0
TARGET_RECALL = 0.95
# Exact search scans every vector per query (~0.35 s at 1M here): fewer timed queries there.
FLAT_QUERIES = {1_000_000: 50}


@dataclass(frozen=True)
class Mixture:
    """Topic centres and, per topic, a random basis of the directions it varies along."""

    centres: np.ndarray  # (CENTRES, DIM), unit rows
    bases: np.ndarray  # (CENTRES, SUBSPACE, DIM), unit rows

    @classmethod
    def make(cls, seed: int = 0) -> Mixture:
        rng = np.random.default_rng(seed)
        centres = _unit(rng.standard_normal((CENTRES, DIM), dtype=np.float32))
        bases = rng.standard_normal((CENTRES, SUBSPACE, DIM), dtype=np.float32)
        return cls(centres, bases / np.linalg.norm(bases, axis=2, keepdims=True))

    def sample(self, n: int, seed: int, extra_noise: float = 0.0) -> np.ndarray:
        """`n` unit vectors (float32), topics drawn uniformly, rows in random topic order."""
        rng = np.random.default_rng(seed)
        topics = rng.integers(0, CENTRES, n)
        order = np.argsort(topics, kind="stable")
        bounds = np.searchsorted(topics[order], np.arange(CENTRES + 1))
        out = np.empty((n, DIM), dtype=np.float32)
        noise = np.float32((NOISE**2 + extra_noise**2) ** 0.5 / DIM**0.5)
        for topic in range(CENTRES):
            rows = order[bounds[topic] : bounds[topic + 1]]
            if len(rows) == 0:
                continue
            z = rng.standard_normal((len(rows), SUBSPACE), dtype=np.float32) * np.float32(SPREAD / SUBSPACE**0.5)
            out[rows] = (self.centres[topic] + z @ self.bases[topic]
                         + noise * rng.standard_normal((len(rows), DIM), dtype=np.float32))
        return _unit(out)


def _unit(x: np.ndarray) -> np.ndarray:
    """Normalise rows in place, in blocks (the 1M array is 1.5 GB)."""
    for start in range(0, len(x), 65_536):
        block = x[start : start + 65_536]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return x


@dataclass(frozen=True)
class Timed:
    build_s: float
    memory_mb: float | None
    latencies_ms: tuple[float, ...]
    rows: np.ndarray  # (queries, TOP_K)


def _build(vectors: np.ndarray, settings: FaissSettings) -> tuple[DenseIndex, float, float | None]:
    gc.collect()
    before = resident_mb()
    start = time.perf_counter()
    index = DenseIndex.build(vectors, settings)
    build_s = time.perf_counter() - start
    after = resident_mb()
    return index, build_s, (after - before if before is not None and after is not None else None)


def _time_queries(index: DenseIndex, queries: np.ndarray) -> tuple[tuple[float, ...], np.ndarray]:
    index.search(queries[:1], TOP_K)  # warm
    latencies, rows = [], []
    for q in range(len(queries)):
        start = time.perf_counter()
        _, top = index.search(queries[q : q + 1], TOP_K)
        latencies.append((time.perf_counter() - start) * 1000)
        rows.append(top[0])
    return tuple(latencies), np.array(rows)


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of the exact top-k that the approximate top-k found."""
    return float(np.mean([len(set(a.tolist()) & set(e.tolist())) / len(e) for a, e in zip(approx, exact)]))


def bench_size(size: int, mixture: Mixture, queries: np.ndarray,
               hnsw_settings: FaissSettings) -> tuple[list[list[object]], list[str]]:
    """Rows of the table and notes for one corpus size."""
    log.info("faiss scale: sampling %d vectors", size)
    vectors = mixture.sample(size, seed=size)
    flat, flat_build, flat_mb = _build(vectors, FaissSettings())
    exact = flat.search(queries, TOP_K)[1]  # batched ground truth
    n_flat = min(FLAT_QUERIES.get(size, len(queries)), len(queries))
    flat_lat, flat_rows = _time_queries(flat, queries[:n_flat])
    sims = flat.search(queries, TOP_K)[0]
    del flat
    gc.collect()
    log.info("faiss scale: HNSW build at %d vectors", size)
    hnsw, hnsw_build, hnsw_mb = _build(vectors, hnsw_settings)
    del vectors
    gc.collect()
    rows = [["flat (exact)", f"{size:,}", "—", flat_build, flat_mb, n_flat,
             percentile(flat_lat, 50), percentile(flat_lat, 95), recall_at_k(flat_rows, exact[:n_flat])]]
    best: tuple[int, float, float] | None = None
    for ef in EF_SEARCH:
        latencies, found = _time_queries(hnsw.with_ef_search(ef), queries)
        recall, p50 = recall_at_k(found, exact), percentile(latencies, 50)
        rows.append([f"hnsw M={hnsw_settings.hnsw_m} efC={hnsw_settings.ef_construction}", f"{size:,}", ef, hnsw_build,
                     hnsw_mb, len(queries), p50, percentile(latencies, 95), recall])
        if best is None and recall >= TARGET_RECALL:
            best = (ef, recall, p50)
    notes = [f"- {size:,} vectors: exact top-1 cosine of the queries p50 {np.median(sims[:, 0]):.2f}, "
             f"10th {np.median(sims[:, -1]):.2f}"]
    if best is None:
        notes.append(f"- {size:,} vectors: no efSearch in {EF_SEARCH} reaches recall@10 {TARGET_RECALL}")
    else:
        ef, recall, p50 = best
        verdict = "met" if p50 <= TARGET_P50_MS else "NOT met"
        notes.append(f"- {size:,} vectors: smallest efSearch with recall@10 >= {TARGET_RECALL} is {ef} "
                     f"(recall {recall:.3f}, p50 {p50:.2f} ms); target p50 <= {TARGET_P50_MS:.0f} ms: {verdict}")
    return rows, notes


def run(sizes: Sequence[int] = (100_000, 1_000_000), queries: int = 200,
        hnsw_settings: FaissSettings = BENCH_HNSW) -> str:
    """Markdown section: build time, memory, top-10 latency p50/p95 and recall@10 per index."""
    mixture = Mixture.make()
    query_vectors = mixture.sample(queries, seed=2**31 - 1, extra_noise=QUERY_NOISE)
    rows, notes = [], []
    for size in sizes:
        size_rows, size_notes = bench_size(size, mixture, query_vectors, hnsw_settings)
        rows += size_rows
        notes += size_notes
    table = markdown_table(
        ["index", "vectors", "efSearch", "build (s)", "memory after build (MB)", "queries",
         "p50 (ms)", "p95 (ms)", "recall@10"], rows, digits=2)
    header = (
        "## Dense search at scale (faiss, synthetic clustered vectors)\n\n"
        f"{DIM}-d unit vectors: {CENTRES:,} topic centres, each point its centre plus a "
        f"displacement of norm ~{SPREAD} in the topic's own {SUBSPACE}-d subspace plus isotropic "
        f"noise of norm ~{NOISE}; queries are new draws with extra noise {QUERY_NOISE}. Top-{TOP_K} "
        "by inner product, one query at a time, warm, through `DenseIndex.search`; recall@10 "
        "against exact search; memory is resident-set growth during the build.\n\n"
    )
    return header + table + "\n" + "\n".join(notes) + "\n"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    chosen = tuple(int(arg) for arg in sys.argv[1:]) or (100_000, 1_000_000)
    sys.stdout.write(run(sizes=chosen))
