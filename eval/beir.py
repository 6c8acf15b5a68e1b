"""BEIR benchmarks (Thakur et al. 2021): load a folder, score every retrieval mode, report.

Three parts, top to bottom: the loader (`load_beir`), the runner (`run_beir`: our BM25 and
dense engines over the corpus, fusion of their lists, nDCG@10 / Recall@100 as BEIR reports
them, index time and queries per second), and the report (`write_beir_report`).

Loader. Format as the official files (see shared/benchmarks/beir/README.md): ids are strings
("007" stays "007"), qrels are tab-separated with a header and CRLF line endings, grades
are integers (NFCorpus grades 1 and 2 are linear gains in nDCG), `metadata` is ignored.
Like BEIR's GenericDataLoader and pytrec_eval, only queries with at least one relevant
judgement are kept: a query without one has no defined recall or nDCG.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import CorpusError, SettingsError
from eval.metrics import evaluate_run, mean, ndcg_at_k, percentile
from eval.report import bar_chart, machine_info, machine_line, markdown_table, write_json, write_text
from indexer.bm25 import BM25Index, BM25Settings
from indexer.fusion import FusionSettings, convex_combination, reciprocal_rank_fusion
from indexer.paths import cache_dir
from indexer.tokenizer import Tokenizer, TokenizerSettings
from indexer.types import Hit

QRELS_HEADER = ("query-id", "corpus-id", "score")


class BeirDataError(CorpusError):
    """A BEIR folder is missing, incomplete or malformed; the message names the file."""


@dataclass(frozen=True)
class BeirDataset:
    """One BEIR collection in memory. `corpus` keeps the file's order (dicts are ordered),
    so row i of an index is the i-th document of corpus.jsonl."""

    name: str
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]  # query id -> text, only queries with relevant qrels
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> grade
    corpus_sha256: str

    def passages(self) -> list[str]:
        """What gets indexed for each doc, in corpus order: title + " " + text, as BEIR,
        Pyserini's flat index and MTEB all do (stripped, so an empty title adds nothing)."""
        return [f"{title} {text}".strip() for title, text in self.corpus.values()]

    def unresolved_qrels(self) -> int:
        """Judged (query, doc) pairs whose doc is not in the corpus. They still count in
        recall's denominator, as in pytrec_eval; a report should show the number."""
        return sum(1 for docs in self.qrels.values() for d in docs if d not in self.corpus)


def load_beir(folder: str | Path, split: str = "test") -> BeirDataset:
    """Load `folder` (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or raise BeirDataError."""
    root = Path(folder)
    if not root.is_dir():
        raise BeirDataError(f"no BEIR folder at {root} (expected corpus.jsonl, "
                            f"queries.jsonl and qrels/{split}.tsv inside)")
    corpus_path, queries_path = root / "corpus.jsonl", root / "queries.jsonl"
    qrels_path = root / "qrels" / f"{split}.tsv"
    for path in (corpus_path, queries_path, qrels_path):
        if not path.is_file():
            raise BeirDataError(f"{path} is missing; a BEIR folder needs corpus.jsonl, "
                                f"queries.jsonl and qrels/{split}.tsv")
    qrels = _read_qrels(qrels_path)
    corpus = {}
    for where, record in _jsonl(corpus_path):
        doc_id = _field(record, "_id", where)
        if doc_id in corpus:
            raise BeirDataError(f"{where}: document id {doc_id!r} appears twice")
        title = record.get("title") or ""
        if not isinstance(title, str):
            raise BeirDataError(f"{where}: 'title' must be a string")
        corpus[doc_id] = (title, _field(record, "text", where))
    if not corpus:
        raise BeirDataError(f"{corpus_path} holds no documents")
    all_queries = {}
    for where, record in _jsonl(queries_path):
        all_queries[_field(record, "_id", where)] = _field(record, "text", where)
    unknown = [qid for qid in qrels if qid not in all_queries]
    if unknown:
        raise BeirDataError(f"{qrels_path} judges {len(unknown)} queries that are not in "
                            f"{queries_path.name}, e.g. {unknown[0]!r}")
    # Keep the queries file's order: --limit-queries then takes the first N of the file.
    queries = {qid: text for qid, text in all_queries.items() if qid in qrels}
    return BeirDataset(
        name=root.resolve().name,
        corpus=corpus,
        queries=queries,
        qrels={qid: qrels[qid] for qid in queries},
        corpus_sha256=_sha256(corpus_path),
    )


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> doc id -> grade, for queries with at least one grade > 0.

    csv with newline="" reads the official CRLF endings without leaving a '\\r' on the score.
    """
    graded: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header is None or tuple(cell.strip() for cell in header) != QRELS_HEADER:
            expected = "\t".join(QRELS_HEADER)
            raise BeirDataError(f"{path}: first line must be the header {expected!r}, "
                                f"got {header!r}")
        for line, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != 3:
                raise BeirDataError(f"{path}:{line}: expected 3 tab-separated columns, got {row!r}")
            qid, doc_id, score = row
            try:
                grade = int(score)
            except ValueError as error:
                raise BeirDataError(f"{path}:{line}: score {score!r} is not an integer") from error
            if qid in graded and doc_id in graded[qid]:
                raise BeirDataError(f"{path}:{line}: ({qid!r}, {doc_id!r}) is judged twice")
            graded.setdefault(qid, {})[doc_id] = grade
    if not graded:
        raise BeirDataError(f"{path} holds no judgements")
    return {qid: docs for qid, docs in graded.items() if any(g > 0 for g in docs.values())}


def _jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(\"file:line\", object) for each non-blank line; a bad line names its place."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise BeirDataError(f"{where}: not valid JSON ({error.msg})") from error
            if not isinstance(record, dict):
                raise BeirDataError(f"{where}: expected a JSON object")
            yield where, record


def _field(record: dict[str, Any], key: str, where: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise BeirDataError(f"{where}: {key!r} must be a string, got {value!r}")
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Runner ------------------------------------------------------------------------------

MODES = ("bm25", "dense", "hybrid-rrf", "hybrid-convex")
NDCG_K, RECALL_K = 10, 100
# How deep each retriever's list goes before fusion (and the depth of the single-mode
# runs): Recall@100 needs 100, and fusing only shallow lists would drop docs that both
# retrievers rank just below the cut.
DEFAULT_DEPTH = 100

# Published nDCG@10 on the test split (shared/benchmarks/beir/README.md gives the sources).
PUBLISHED = {
    "scifact": {"bm25": 0.665, "dense": 0.645},
    "nfcorpus": {"bm25": 0.325, "dense": 0.316},
}
PUBLISHED_SOURCES = {
    "bm25": "BM25, BEIR paper (Thakur et al. 2021, Table 2)",
    "dense": "all-MiniLM-L6-v2 in MTEB (mtebpaper results)",
}
# The targets for hybrid nDCG@10.
TARGETS = {"scifact": 0.70, "nfcorpus": 0.34}


@dataclass(frozen=True)
class Ranked:
    """One mode's hits per query (doc ids as `chunk_id`, best first; scores kept for
    convex fusion), with the per-query search seconds."""

    hits: dict[str, list[Hit]]
    latencies: dict[str, float]

    def ids(self, qid: str) -> list[str]:
        return [hit.chunk_id for hit in self.hits[qid]]


@dataclass(frozen=True)
class ModeResult:
    """Scores and costs of one retrieval mode over the judged queries."""

    mode: str
    ndcg_at_10: float
    recall_at_100: float
    index_seconds: float
    index_note: str  # what index_seconds covers, e.g. "embeddings cached; faiss build"
    queries_per_second: float
    latency_p50_ms: float
    latency_p95_ms: float


@dataclass(frozen=True)
class BeirRun:
    """Everything a report needs: the dataset, the settings, each mode's result."""

    dataset: str
    documents: int
    queries: int
    judged_queries: int  # before --limit-queries
    qrels_pairs: int
    unresolved_qrels: int
    settings: dict[str, Any]
    results: tuple[ModeResult, ...]
    alpha_sweep: dict[float, float]  # convex alpha -> nDCG@10; information only
    top10: dict[str, dict[str, list[str]]]  # mode -> query id -> its 10 best doc ids


def run_beir(
    folder: str | Path,
    modes: Sequence[str] = MODES,
    *,
    limit_queries: int | None = None,
    depth: int = DEFAULT_DEPTH,
    settings: "BenchSettings | None" = None,
    alpha_sweep: Sequence[float] = (),
    show_progress: bool = False,
) -> BeirRun:
    """Index a BEIR folder with our BM25 and dense engines and score each mode.

    Index time: BM25 is tokenise + build; dense is corpus encoding (or 0 when the vectors
    come from the cache) + faiss build. Query time is measured one query at a time, as a
    user asks them; a hybrid query costs its BM25 search + its dense search + the fusion.
    """
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown or not modes:
        raise SettingsError(f"modes must be some of {', '.join(MODES)}; got {list(modes)}")
    if depth < RECALL_K:
        raise SettingsError(f"depth must be at least {RECALL_K} (Recall@{RECALL_K}); got {depth}")
    if limit_queries is not None and limit_queries < 1:
        raise SettingsError(f"limit_queries must be at least 1; got {limit_queries}")
    settings = settings or BenchSettings()
    data = load_beir(folder)
    qids = list(data.queries)[:limit_queries]
    queries = [data.queries[q] for q in qids]
    qrels = {q: data.qrels[q] for q in qids}
    doc_ids = list(data.corpus)

    # An alpha sweep fuses both lists, so it needs both retrievers whatever the modes.
    need_lexical = bool(alpha_sweep) or any(m != "dense" for m in modes)
    need_dense = bool(alpha_sweep) or any(m != "bm25" for m in modes)
    ranked: dict[str, Ranked] = {}
    index_cost: dict[str, tuple[float, str]] = {}
    if need_lexical:
        ranked["bm25"], index_cost["bm25"] = _run_bm25(data, qids, queries, depth, settings)
    if need_dense:
        ranked["dense"], index_cost["dense"] = _run_dense(
            data, qids, queries, depth, settings, show_progress)
    for mode in ("hybrid-rrf", "hybrid-convex"):
        if mode in modes:
            ranked[mode] = _fuse(mode, ranked["bm25"], ranked["dense"], settings.fusion)
            seconds = index_cost["bm25"][0] + index_cost["dense"][0]
            cached = index_cost["dense"][1].startswith("embeddings cached")
            index_cost[mode] = (seconds, "bm25 + dense" + ("; embeddings cached" if cached else ""))
    results = tuple(_score(mode, ranked[mode], qrels, index_cost[mode]) for mode in modes)
    sweep = {}
    for alpha in alpha_sweep:
        fused = _fuse("hybrid-convex", ranked["bm25"], ranked["dense"],
                      replace(settings.fusion, alpha=float(alpha)))
        sweep[float(alpha)] = mean([ndcg_at_k(fused.ids(q), qrels[q], NDCG_K) for q in qids])
    return BeirRun(
        dataset=data.name, documents=len(doc_ids), queries=len(qids),
        judged_queries=len(data.queries),
        qrels_pairs=sum(len(docs) for docs in qrels.values()),
        unresolved_qrels=data.unresolved_qrels(),
        settings={**settings.to_dict(), "depth": depth}, results=results, alpha_sweep=sweep,
        top10={mode: {q: ranked[mode].ids(q)[:NDCG_K] for q in qids} for mode in modes},
    )


def _dense_settings() -> Any:
    from indexer.encoder import DenseSettings

    return DenseSettings()


def _faiss_settings() -> Any:
    from indexer.dense import FaissSettings

    return FaissSettings()


@dataclass(frozen=True)
class BenchSettings:
    """The engines' settings for a benchmark run: the library defaults unless a caller
    passes others. The dense and faiss defaults are made on first use (they live in
    modules that pull in torch / faiss)."""

    tokenizer: TokenizerSettings = field(default_factory=TokenizerSettings)
    bm25: BM25Settings = field(default_factory=BM25Settings)
    dense: Any = field(default_factory=_dense_settings)
    faiss: Any = field(default_factory=_faiss_settings)
    fusion: FusionSettings = field(default_factory=FusionSettings)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the tokenizer's Chinese user terms are counted, not listed."""
        out = json.loads(json.dumps({f.name: asdict(getattr(self, f.name)) for f in fields(self)}))
        out["tokenizer"]["user_terms"] = len(self.tokenizer.user_terms)
        return out


def _run_bm25(data: BeirDataset, qids: list[str], queries: list[str], depth: int,
              settings: BenchSettings) -> tuple[Ranked, tuple[float, str]]:
    """BM25 with our tokenizer: index cost is tokenising the corpus and building."""
    doc_ids = list(data.corpus)
    started = time.perf_counter()
    tokenizer = Tokenizer(settings.tokenizer)
    index = BM25Index.build(tokenizer.tokenize_many(data.passages()), settings.bm25)
    index_seconds = time.perf_counter() - started
    hits, latencies = {}, {}
    for qid, query in zip(qids, queries):
        began = time.perf_counter()
        rows, scores = index.top_k(tokenizer.tokenize(query), depth)
        latencies[qid] = time.perf_counter() - began
        hits[qid] = _hits(doc_ids, rows.tolist(), scores.tolist(), "bm25")
    return Ranked(hits, latencies), (index_seconds, "tokenise + build")


def _run_dense(data: BeirDataset, qids: list[str], queries: list[str], depth: int,
               settings: BenchSettings, show_progress: bool) -> tuple[Ranked, tuple[float, str]]:
    """Dense retrieval: the corpus through the passage encoder (cached), queries through
    the query encoder one at a time, exact or HNSW search per FaissSettings."""
    from indexer.dense import DenseIndex
    from indexer.encoder import load_query_encoder

    doc_ids = list(data.corpus)
    vectors, encode_seconds = corpus_vectors(data, settings.dense, show_progress)
    started = time.perf_counter()
    index = DenseIndex.build(vectors, settings.faiss)
    build_seconds = time.perf_counter() - started
    encoder = load_query_encoder(settings.dense)
    encoder.encode(["warm-up"])  # first call pays one-off start-up costs; not a query's
    hits, latencies = {}, {}
    for qid, query in zip(qids, queries):
        began = time.perf_counter()
        scores, rows = index.search(encoder.encode([query]), depth)
        latencies[qid] = time.perf_counter() - began
        hits[qid] = _hits(doc_ids, rows[0].tolist(), scores[0].tolist(), "dense")
    if encode_seconds is None:
        first = _first_encoding_seconds(data, settings.dense)
        note = "embeddings cached" + (f" (encoded in {first:.0f} s)" if first is not None else "")
        return Ranked(hits, latencies), (build_seconds, f"{note}; faiss build only")
    return Ranked(hits, latencies), (encode_seconds + build_seconds, "encode + faiss build")


def embedding_cache_path(data: BeirDataset, model_id: str) -> Path:
    """Where the corpus vectors of `data` under `model_id` are kept: the dataset name,
    the corpus file's sha256 and the model id (with the precision when not fp32, see
    `vector_space`), so a changed file, model or precision misses."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_")
    return cache_dir("beir", f"{data.name}-{data.corpus_sha256[:16]}-{slug}") / "corpus.npy"


def vector_space(dense_settings: Any) -> str:
    """The model id, suffixed with the precision when it is not fp32: fp32 vectors are the
    same whichever backend made them (ONNX Runtime and torch agree to ~2e-7), int8 ones are not."""
    from indexer.encoder import model_id, resolve_model_path

    # The model id hashes the weights file without loading torch, so a cache hit stays quick.
    space = model_id(resolve_model_path(dense_settings.model))
    precision = getattr(dense_settings, "precision", "fp32")
    return space if precision == "fp32" else f"{space}-{precision}"


def corpus_vectors(data: BeirDataset, dense_settings: Any,
                   show_progress: bool) -> tuple[np.ndarray, float | None]:
    """The corpus's passage vectors and the seconds spent encoding them, or None as the
    seconds when they came from the cache. A cached file of the wrong shape or type is
    re-encoded and replaced, never trusted."""
    from indexer.encoder import load_passage_encoder

    path = embedding_cache_path(data, vector_space(dense_settings))
    if path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            cached = None
        if (cached is not None and cached.dtype == np.float32 and cached.ndim == 2
                and cached.shape[0] == len(data.corpus)):
            return cached, None
    encoder = load_passage_encoder(dense_settings)
    started = time.perf_counter()
    vectors = encoder.encode(data.passages(), show_progress=show_progress)
    seconds = time.perf_counter() - started
    _save_npy(path, np.asarray(vectors, dtype=np.float32))
    # Beside the vectors: what the encoding cost, so a cached run can still report it.
    write_json(path.with_suffix(".json"), {"encode_seconds": round(seconds, 1),
                                           "passages": len(vectors), "machine": machine_info()})
    return vectors, seconds


def _first_encoding_seconds(data: BeirDataset, dense_settings: Any) -> float | None:
    """Seconds the cached vectors took to encode, from the note beside them, if readable."""
    note = embedding_cache_path(data, vector_space(dense_settings))
    try:
        seconds = json.loads(note.with_suffix(".json").read_text(encoding="utf-8"))["encode_seconds"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return float(seconds) if isinstance(seconds, (int, float)) else None


def _save_npy(path: Path, array: np.ndarray) -> None:
    """np.save to a temporary file in the same folder, then os.replace: a run killed
    half-way leaves no truncated cache file behind."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".corpus.", suffix=".npy.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise BeirDataError(f"cannot write the embedding cache {path}: {error}") from error


def _fuse(mode: str, lexical: Ranked, dense: Ranked, fusion: FusionSettings) -> Ranked:
    """Fuse the two full-depth lists of each query; the cost is both searches + fusion."""
    hits, latencies = {}, {}
    for qid, bm25_hits in lexical.hits.items():
        began = time.perf_counter()
        if mode == "hybrid-rrf":
            fused = reciprocal_rank_fusion([bm25_hits, dense.hits[qid]], k=fusion.rrf_k,
                                           limit=RECALL_K)
        else:
            fused = convex_combination(bm25_hits, dense.hits[qid], alpha=fusion.alpha,
                                       limit=RECALL_K)
        hits[qid] = fused
        latencies[qid] = lexical.latencies[qid] + dense.latencies[qid] + time.perf_counter() - began
    return Ranked(hits, latencies)


def _hits(doc_ids: list[str], rows: list[int], scores: list[float], source: str) -> list[Hit]:
    """Engine rows and scores as Hits named by doc id; faiss pads a short answer with
    row -1, which is not a hit."""
    pairs = [(doc_ids[row], score) for row, score in zip(rows, scores) if row >= 0]
    return [Hit(doc_id, float(score), rank, source)
            for rank, (doc_id, score) in enumerate(pairs, start=1)]


def _score(mode: str, ranked: Ranked, qrels: dict[str, dict[str, int]],
           index_cost: tuple[float, str]) -> ModeResult:
    """Mean nDCG@10 / Recall@100 over the judged queries, and the query-time costs."""
    scores = evaluate_run({q: ranked.ids(q) for q in qrels}, qrels, NDCG_K, RECALL_K)
    latencies = [ranked.latencies[q] for q in qrels]
    return ModeResult(
        mode=mode,
        ndcg_at_10=scores[f"ndcg@{NDCG_K}"],
        recall_at_100=scores[f"recall@{RECALL_K}"],
        index_seconds=index_cost[0],
        index_note=index_cost[1],
        queries_per_second=len(latencies) / math.fsum(latencies),
        latency_p50_ms=1000 * percentile(latencies, 50),
        latency_p95_ms=1000 * percentile(latencies, 95),
    )


# --- Report ------------------------------------------------------------------------------

def report_stem(run: BeirRun) -> str:
    """`beir-<name>`; a partial run (--limit-queries) or one at another precision than
    fp32 gets its own file, so neither overwrites the full fp32 report."""
    partial = f"-first{run.queries}" if run.queries < run.judged_queries else ""
    precision = run.settings.get("dense", {}).get("precision", "fp32")
    return f"beir-{run.dataset}{partial}" + ("" if precision == "fp32" else f"-{precision}")


def results_table(run: BeirRun) -> str:
    """The markdown table of every mode beside the published nDCG@10, where there is one."""
    published = PUBLISHED.get(run.dataset.lower(), {})
    rows = [
        [r.mode, r.ndcg_at_10, published.get(r.mode), r.recall_at_100,
         f"{r.index_seconds:.1f} ({r.index_note})", f"{r.queries_per_second:.1f}",
         f"{r.latency_p50_ms:.1f}", f"{r.latency_p95_ms:.1f}"]
        for r in run.results
    ]
    headers = ["mode", "nDCG@10", "published nDCG@10", "Recall@100", "index s",
               "queries/s", "p50 ms", "p95 ms"]
    return markdown_table(headers, rows)


def target_line(run: BeirRun) -> str | None:
    """Whether the best hybrid mode meets the issue's target and beats both published
    baselines, or None for a dataset without a target or a run without hybrid modes."""
    target = TARGETS.get(run.dataset.lower())
    hybrid = [r for r in run.results if r.mode.startswith("hybrid")]
    if target is None or not hybrid:
        return None
    best = max(hybrid, key=lambda r: r.ndcg_at_10)
    baseline = max(PUBLISHED[run.dataset.lower()].values())
    met = best.ndcg_at_10 >= target and best.ndcg_at_10 > baseline
    verdict = "met" if met else "NOT met"
    if run.queries < run.judged_queries:
        verdict = f"not judged: only {run.queries} of {run.judged_queries} queries"
    return (f"Target: hybrid nDCG@10 >= {target:.2f} and above both published baselines "
            f"(best {baseline:.3f}). Best hybrid: {best.mode} {best.ndcg_at_10:.3f} -> "
            f"{verdict}.")


def beir_markdown(run: BeirRun, machine: dict[str, Any]) -> str:
    """The whole report: header, machine, settings, table, sources, alpha sweep."""
    s = run.settings
    lines = [
        f"# BEIR {run.dataset}: retrieval quality and cost", "",
        f"Measured {machine_line(machine)}.", "",
        f"{run.documents:,} documents (title + \" \" + text), {run.queries} of "
        f"{run.judged_queries} judged test queries, {run.qrels_pairs:,} judged pairs"
        + (f" ({run.unresolved_qrels} name docs not in the corpus)" if run.unresolved_qrels else "")
        + ".",
    ]
    if run.queries < run.judged_queries:
        lines += ["", "**Partial run (--limit-queries): not comparable with the published figures.**"]
    lines += [
        "", f"BM25 {_pairs(s['bm25'])}; tokenizer stemmer={s['tokenizer']['stemmer']} "
        f"stopwords={s['tokenizer']['stopwords']}; dense {s['dense']['model']}, faiss "
        f"{s['faiss']['kind']}; fusion over the top {s['depth']} of each list: RRF k="
        f"{s['fusion']['rrf_k']}, convex alpha={s['fusion']['alpha']} (dense weight; the "
        "library default, not tuned on these queries).", "",
        results_table(run),
        "Published: " + "; ".join(f"{mode}: {source}" for mode, source in PUBLISHED_SOURCES.items())
        + ". Index seconds of a hybrid mode are BM25's plus dense's; queries/s measures one "
        "query at a time (a hybrid query runs both searches and the fusion) on a shared machine.",
    ]
    target = target_line(run)
    if target:
        lines += ["", target]
    if run.alpha_sweep:
        lines += ["", "## Convex alpha sweep (for information only)", "",
                  "Computed on the same test queries, so it must not choose a default; "
                  "defaults come from the question set's dev split.", "",
                  markdown_table(["alpha (dense weight)", "nDCG@10"],
                                 [[f"{a:.2f}", v] for a, v in run.alpha_sweep.items()])]
    return "\n".join(lines).rstrip() + "\n"


def _pairs(settings: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in settings.items())


def beir_json(run: BeirRun, machine: dict[str, Any]) -> dict[str, Any]:
    """The report as data: machine, dataset, settings, results, published figures."""
    data = asdict(run)
    del data["top10"]  # per-query lists are for debugging, not for the report
    data["alpha_sweep"] = [{"alpha": a, "ndcg@10": v} for a, v in run.alpha_sweep.items()]
    data["published_ndcg@10"] = PUBLISHED.get(run.dataset.lower(), {})
    data["target_ndcg@10"] = TARGETS.get(run.dataset.lower())
    return {"machine": machine, **data}


def write_beir_report(run: BeirRun, out_dir: str | Path,
                      machine: dict[str, Any] | None = None) -> list[Path]:
    """Write <out>/beir-<name>.md, .json and .png; return their paths."""
    machine = machine or machine_info()
    stem = Path(out_dir) / report_stem(run)
    modes = [r.mode for r in run.results]
    chart = bar_chart(
        stem.with_suffix(".png"), ["nDCG@10", "Recall@100"],
        {m: [r.ndcg_at_10, r.recall_at_100] for m, r in zip(modes, run.results)},
        title=f"BEIR {run.dataset} ({run.queries} queries)", ylabel="score")
    return [
        write_text(stem.with_suffix(".md"), beir_markdown(run, machine)),
        write_json(stem.with_suffix(".json"), beir_json(run, machine)),
        chart,
    ]
