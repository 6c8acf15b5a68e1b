"""BM25 over pre-tokenized chunks, with bm25s as the engine and rank-bm25 as the reference.

bm25s precomputes every (term, document) score into a sparse matrix at build time, so a
query is a few sparse-row sums (~3 ms at 1M chunks, where rank-bm25 loops over every
document, ~1.6 s), and it stores that matrix as plain `.npy` files plus JSON, no pickle.
We own tokenization (`indexer.tokenizer`): bm25s only ever sees lists of strings.

Row *i* of the index is token list *i* of `build` (and chunk *i* of the index directory).
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from corpus.errors import IndexStoreError, SettingsError

BM25_METHODS = ("lucene", "robertson", "atire")
# The files bm25s writes with `save` (names are its defaults); `load` needs them all.
BM25S_FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "vocab.index.json",
    "params.index.json",
)
SETTINGS_FILE = "bm25_settings.json"


@dataclass(frozen=True)
class BM25Settings:
    """BM25 parameters; written into the index manifest via `to_dict()`.

    Defaults are Lucene's (BM25Similarity: k1=1.2, b=0.75) with the Lucene IDF
    log(1 + (N - df + 0.5) / (df + 0.5)), which is always positive: a term in most
    chunks still counts a little instead of being floored to 0 (Robertson) or to an
    epsilon (rank-bm25). On BEIR SciFact with our tokenizer, nDCG@10 over k1 in
    {0.9, 1.2, 1.5} x b in {0.4, 0.75} x {lucene, robertson} spans 0.686-0.700, and
    1.2/0.75 lucene gives 0.6965: within noise of the best, so the well-known default stays
    (the fusion/dev-split tuning can revisit it).
    """

    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"

    def __post_init__(self) -> None:
        if isinstance(self.k1, bool) or not isinstance(self.k1, (int, float)) or not (
            0.0 <= self.k1 <= 10.0
        ):
            raise SettingsError(f"BM25Settings.k1 must be a number in [0, 10]; got {self.k1!r}")
        if isinstance(self.b, bool) or not isinstance(self.b, (int, float)) or not (
            0.0 <= self.b <= 1.0
        ):
            raise SettingsError(f"BM25Settings.b must be a number in [0, 1]; got {self.b!r}")
        if self.method not in BM25_METHODS:
            shown = ", ".join(repr(m) for m in BM25_METHODS)
            raise SettingsError(f"BM25Settings.method must be one of {shown}; got {self.method!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict for the index manifest."""
        return asdict(self)


class BM25Index:
    """A bm25s index over token lists; rows are the lists' positions. A built index is a
    `bm25s.BM25` (it can be saved); a loaded one is its `Postings` (queried only)."""

    def __init__(self, engine: Any, settings: BM25Settings, size: int) -> None:
        """Use `build` or `load`; this wraps a built `bm25s.BM25` or loaded `Postings`."""
        self._engine = engine
        self.settings = settings
        self._size = size

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]], settings: BM25Settings) -> "BM25Index":
        """Index `token_lists` (row i = list i). An empty token list is a valid row that
        never matches; an empty corpus is refused (BM25 statistics need documents)."""
        import bm25s

        if len(token_lists) == 0:
            raise IndexStoreError("cannot build a BM25 index from zero chunks")
        engine = bm25s.BM25(k1=settings.k1, b=settings.b, method=settings.method)
        # bm25s wants lists of lists; copy only when given other sequences (at 1M chunks a
        # needless copy costs hundreds of MB).
        if isinstance(token_lists, list) and all(isinstance(t, list) for t in token_lists):
            corpus = token_lists
        else:
            corpus = [list(tokens) for tokens in token_lists]
        if not any(corpus):
            raise IndexStoreError(
                f"cannot build a BM25 index: none of the {len(corpus)} chunks has a single term"
            )
        with _quiet_bm25s():
            engine.index(corpus, show_progress=False)
        return cls(engine, settings, len(corpus))

    def __len__(self) -> int:
        return self._size

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """One float32 score per row; tokens unknown to the index add nothing, so a query
        with no known token scores every row 0."""
        known = [token for token in query_tokens if token and token in self._engine.vocab_dict]
        if not known:
            return np.zeros(self._size, dtype=np.float32)
        return self._engine.get_scores(known)

    def idf(self, tokens: Sequence[str]) -> dict[str, float]:
        """Lucene's IDF, log(1 + (N - df + 0.5) / (df + 0.5)), of each token the index
        knows (unknown tokens are left out): how telling a term is, for callers that weigh
        term overlap outside of BM25 scoring. df comes from the posting lists' lengths."""
        indptr = self._engine.scores["indptr"]
        vocab = self._engine.vocab_dict
        weights = {}
        for token in tokens:
            column = vocab.get(token)
            if token and column is not None:
                df = int(indptr[column + 1] - indptr[column])
                weights[token] = float(np.log(1.0 + (self._size - df + 0.5) / (df + 0.5)))
        return weights

    def top_k(
        self, query_tokens: Sequence[str], k: int, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The best `k` rows and their scores, best first, ties broken by lower row.

        Rows scoring 0 or less are never returned: a query that matches nothing gets
        nothing back, not `k` arbitrary rows. `rows` (sorted row numbers) restricts the
        search to those rows, exactly: a filter, not a re-ranking of the unfiltered top k.
        """
        if k < 1:
            raise SettingsError(f"k must be at least 1; got {k}")
        scores = self.scores(query_tokens)
        if rows is not None:
            allowed = np.zeros(len(scores), dtype=bool)
            allowed[rows] = True
            scores = np.where(allowed, scores, 0).astype(scores.dtype)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size > k:
            # argpartition finds the k best in O(n); include every row tied with the k-th
            # score so the row-order tie break below is exact, not partition-dependent.
            kth = np.argpartition(-scores[candidates], k - 1)[k - 1]
            candidates = candidates[scores[candidates] >= scores[candidates[kth]]]
        order = np.lexsort((candidates, -scores[candidates]))[:k]
        rows = candidates[order].astype(np.int64)
        return rows, scores[rows]

    def save(self, directory: str | Path) -> None:
        """Write bm25s's files (.npy arrays, JSON vocab and params) and our settings."""
        directory = Path(directory)
        if isinstance(self._engine, Postings):
            raise IndexStoreError("a loaded BM25 index is read-only; build one to save it")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with _quiet_bm25s():
                self._engine.save(str(directory), allow_pickle=False, show_progress=False)
            payload = {"settings": self.settings.to_dict(), "rows": self._size}
            (directory / SETTINGS_FILE).write_text(json.dumps(payload, indent=2), encoding="utf-8")
        except OSError as error:
            raise IndexStoreError(f"cannot write the BM25 index to {directory}: {error}") from error

    @classmethod
    def load(cls, directory: str | Path) -> "BM25Index":
        """Read an index written by `save`: bm25s's arrays with numpy (allow_pickle=False)
        and its JSON, without importing bm25s. Why: bm25s imports scipy.sparse, about half
        a second of every cold `qa ask`, and a query needs only the posting lists."""
        directory = Path(directory)
        missing = [name for name in (*BM25S_FILES, SETTINGS_FILE) if not (directory / name).is_file()]
        if missing:
            raise IndexStoreError(
                f"BM25 index in {directory} is incomplete (missing {', '.join(missing)}); "
                "rebuild the index"
            )
        try:
            payload = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
            settings = BM25Settings(**payload["settings"])
            engine = Postings.load(directory)
            size = int(payload["rows"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexStoreError(
                f"BM25 index in {directory} is unreadable ({error}); rebuild the index"
            ) from error
        stored = (engine.k1, engine.b, engine.method)
        if stored != (settings.k1, settings.b, settings.method):
            raise IndexStoreError(
                f"BM25 index in {directory} was scored with k1, b, method = {stored} but its "
                f"settings file says {(settings.k1, settings.b, settings.method)}; rebuild the index"
            )
        if engine.scores["num_docs"] != size:
            raise IndexStoreError(
                f"BM25 index in {directory} has {engine.scores['num_docs']} rows but its "
                f"settings file says {size}; rebuild the index"
            )
        return cls(engine, settings, size)


class Postings:
    """A saved bm25s index read back for querying only: its vocabulary and its CSC score
    matrix (per term: `indptr` delimits the rows in `indices` and their scores in `data`).
    `get_scores` adds each query term's column in query order in the index's dtype, as
    `bm25s.BM25.get_scores` does, so the scores are bit-for-bit bm25s's (a test checks)."""

    def __init__(self, params: dict[str, Any], vocab: dict[str, int], scores: dict[str, Any]) -> None:
        self.k1, self.b, self.method = params["k1"], params["b"], params["method"]
        self.dtype = np.dtype(params.get("dtype", "float32"))
        self.vocab_dict = vocab
        self.scores = scores

    @classmethod
    def load(cls, directory: Path) -> "Postings":
        params = json.loads((directory / "params.index.json").read_text(encoding="utf-8"))
        vocab = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        if not isinstance(params, dict) or not isinstance(vocab, dict):
            raise ValueError("params.index.json and vocab.index.json must be JSON objects")
        if params.get("method") not in BM25_METHODS:
            raise ValueError(f"unknown BM25 method {params.get('method')!r}")
        arrays = {name: np.load(directory / f"{name}.csc.index.npy", allow_pickle=False)
                  for name in ("data", "indices", "indptr")}
        return cls(params, vocab, {**arrays, "num_docs": int(params["num_docs"])})

    def get_scores(self, tokens: Sequence[str]) -> np.ndarray:
        data, indices, indptr = self.scores["data"], self.scores["indices"], self.scores["indptr"]
        scores = np.zeros(self.scores["num_docs"], dtype=self.dtype)
        for token in tokens:
            term = self.vocab_dict[token]
            start, end = indptr[term], indptr[term + 1]
            # a term's rows are distinct, so fancy-index += is bm25s's np.add.at, faster
            scores[indices[start:end]] += data[start:end]
        return scores


@contextmanager
def _quiet_bm25s() -> Iterator[None]:
    """Silence bm25s's INFO/DEBUG logging for the duration of a call."""
    logger = logging.getLogger("bm25s")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def rank_bm25_scores(
    token_lists: Sequence[Sequence[str]], query_tokens: Sequence[str], settings: BM25Settings
) -> np.ndarray:
    """Reference scores from rank-bm25's BM25Okapi with the same k1 and b (float64).

    How they relate to `BM25Index.scores` (Kamphuis et al., ECIR 2020, "Which BM25 do you
    mean?"; bm25s.scoring):
    - term-frequency part: rank-bm25 uses tf*(k1+1)/(tf + k1*(1-b+b*dl/avgdl)); bm25s's
      "robertson" and "lucene" drop the constant (k1+1), so their scores are rank-bm25's
      divided by (k1+1): same order. "atire" keeps it.
    - IDF: rank-bm25 uses log((N-df+0.5)/(df+0.5)), negative when df > N/2, and floors
      such terms to epsilon (0.25) x the mean IDF over the vocabulary; bm25s "robertson"
      uses the same log but floors it at 0; "lucene" uses log(1 + (N-df+0.5)/(df+0.5)),
      always positive and not a multiple of the Robertson IDF, so multi-term queries can
      order differently; "atire" uses log(N/df).
    So with method "robertson" and no query term in more than half of the chunks, the two
    give identical orders and scores that differ by exactly the factor (k1+1).
    rank-bm25 is for tests and benchmarks only (an optional dependency).
    """
    from rank_bm25 import BM25Okapi

    reference = BM25Okapi([list(tokens) for tokens in token_lists], k1=settings.k1, b=settings.b)
    return np.asarray(reference.get_scores(list(query_tokens)), dtype=np.float64)
