"""Nearest-neighbour search over L2-normalised embeddings with faiss.

Inner product on unit vectors is cosine similarity. `flat` is exact and needs nothing but
`embeddings.npy` on disk; `hnsw` (Malkov & Yashunin 2018) is approximate, for corpora
where scanning every vector per query is too slow (~1M chunks), and also stores the graph
as a faiss index file. Row i of every array is chunk i of the index.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import faiss
import numpy as np

from corpus.errors import IndexStoreError, SettingsError

EMBEDDINGS_FILE = "embeddings.npy"
HNSW_FILE = "dense.hnsw.faiss"
KINDS = ("flat", "hnsw")
_NORM_TOLERANCE = 1e-3
_BATCH_QUERIES = 20


@dataclass(frozen=True)
class FaissSettings:
    """Which faiss index holds the vectors. HNSW parameters are ignored for `flat`.

    `hnsw_m` links per node and `ef_construction` are fixed at build time; `ef_search`
    (candidates kept per query) can change on load: higher is slower and more exact.
    The HNSW defaults are the ones `make bench` measured at 1M clustered vectors on the
    2-core machine: recall@10 0.966 at p50 1.05 ms, built in about 3 minutes (M=32 with
    ef_construction=200 took 5 minutes for 100k, about an hour projected for 1M).
    """

    kind: str = "flat"
    hnsw_m: int = 16
    ef_construction: int = 64
    ef_search: int = 512

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SettingsError(f"faiss kind must be one of {KINDS}, got {self.kind!r}")
        for name, low, high in (("hnsw_m", 2, 256), ("ef_construction", 1, 10_000), ("ef_search", 1, 10_000)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise SettingsError(f"faiss {name} must be an int in {low}..{high}, got {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def _omp_threads(n: int):
    """Run faiss with `n` OpenMP threads, then restore the previous count.

    Measured here: one query on 20k vectors takes 1.5 ms with 1 thread and 28 ms with 2 when
    the cores are busy (OpenMP barriers spin), so single queries run on one thread; builds
    and batches of queries use every CPU this process may use.
    """
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


class _KeepAlive:
    """Exposes faiss-owned memory as a numpy array whose base keeps the index alive,
    so `.vectors` can never outlive the memory it points into."""

    def __init__(self, owner: object, view: np.ndarray) -> None:
        self._owner = owner
        interface = dict(view.__array_interface__)
        interface["data"] = (interface["data"][0], True)  # read-only
        self.__array_interface__ = interface


def _storage_view(index: faiss.Index) -> np.ndarray:
    """The (n, d) float32 vectors inside a flat or HNSW-flat index, without a copy."""
    storage = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    if storage.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    view = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d).reshape(storage.ntotal, storage.d)
    return np.asarray(_KeepAlive(index, view))


def _check_vectors(vectors: np.ndarray, what: str) -> None:
    if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.dtype != np.float32:
        shape = getattr(vectors, "shape", None)
        raise ValueError(f"{what} must be a 2-D float32 numpy array, got {type(vectors).__name__} "
                         f"{getattr(vectors, 'dtype', '')} {shape}")
    if vectors.shape[1] == 0:
        raise ValueError(f"{what} have dimension 0")


class DenseIndex:
    """Unit vectors plus a faiss index over them; inner-product top-k search."""

    def __init__(self, index: faiss.Index, settings: FaissSettings) -> None:
        self._index = index
        self._settings = settings
        self._vectors = _storage_view(index)

    @classmethod
    def build(cls, vectors: np.ndarray, settings: FaissSettings) -> DenseIndex:
        """Index `vectors` (n, dim) float32, each L2-normalised (checked)."""
        _check_vectors(vectors, "vectors")
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
        if not np.all(np.abs(norms - 1.0) <= _NORM_TOLERANCE):
            raise ValueError("vectors must be finite and L2-normalised (inner product = cosine)")
        index = cls._empty(vectors.shape[1], settings)
        with _omp_threads(_cpus()):
            index.add(np.ascontiguousarray(vectors))
        return cls(index, settings)

    @staticmethod
    def _empty(dim: int, settings: FaissSettings) -> faiss.Index:
        if settings.kind == "flat":
            return faiss.IndexFlatIP(dim)
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.ef_construction
        return index

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> str:
        return self._settings.kind

    @property
    def vectors(self) -> np.ndarray:
        """The (n, dim) embeddings, read-only; row i is chunk i. Shares the index's memory."""
        return self._vectors

    def with_ef_search(self, ef_search: int) -> DenseIndex:
        """The same index (shared, not copied) searched with another HNSW ef_search:
        tune the speed/recall trade-off without rebuilding or reloading."""
        return DenseIndex(self._index, replace(self._settings, ef_search=ef_search))

    def search(
        self, query_vectors: np.ndarray, k: int, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product for each query row: (scores, rows), each (q, min(k, n)).

        Best first. Never returns faiss's -1 padding: k is capped at the number of vectors,
        and a query for which HNSW finds fewer than k neighbours is answered exactly.
        `rows` (sorted row numbers) restricts the search to those rows; it is answered
        exactly over them (a document filter selects few rows, and an HNSW walk that skips
        most of the graph would miss some).
        """
        _check_vectors(query_vectors, "query_vectors")
        if query_vectors.shape[1] != self.dim:
            raise ValueError(f"query_vectors have dimension {query_vectors.shape[1]}, the index {self.dim}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        if rows is not None:
            return self._search_rows(np.ascontiguousarray(query_vectors), k, np.asarray(rows, dtype=np.int64))
        k = min(k, len(self))
        queries = np.ascontiguousarray(query_vectors)
        if k == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        # faiss switches to BLAS from 20 queries on; below that extra threads only cost.
        with _omp_threads(1 if len(queries) < _BATCH_QUERIES else _cpus()):
            if self.kind == "flat":
                return self._index.search(queries, k)
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(self._settings.ef_search, k)
            scores, rows = self._index.search(queries, k, params=params)
            short = (rows < 0).any(axis=1)
            if short.any():  # rare: an unreachable corner of the graph
                scores[short], rows[short] = faiss.knn(
                    queries[short], self._vectors, k, faiss.METRIC_INNER_PRODUCT)
        return scores, rows

    def _search_rows(self, queries: np.ndarray, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k over the given rows only; ties broken by lower row."""
        k = min(k, len(rows))
        scores = queries @ self.vectors[rows].T if len(rows) else np.zeros((len(queries), 0), np.float32)
        order = np.stack([np.lexsort((rows, -row_scores))[:k] for row_scores in scores]) if len(queries) else \
            np.zeros((0, k), np.int64)
        return (np.take_along_axis(scores, order, axis=1).astype(np.float32), rows[order].astype(np.int64))

    def save(self, directory: Path) -> None:
        """Write embeddings.npy (always) and, for hnsw, the faiss graph (faiss.write_index)."""
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            np.save(directory / EMBEDDINGS_FILE, self._vectors, allow_pickle=False)
            if self.kind == "hnsw":
                faiss.write_index(self._index, str(directory / HNSW_FILE))
        except (OSError, RuntimeError) as e:
            raise IndexStoreError(f"cannot write the dense index to {directory}: {e}") from e

    @classmethod
    def load(cls, directory: Path, settings: FaissSettings, *,
             expect_rows: int | None = None, expect_dim: int | None = None) -> DenseIndex:
        """Open what `save` wrote. Raises IndexStoreError naming the bad file and the fix.

        `expect_rows` / `expect_dim` (from the manifest) are checked when given.
        """
        directory = Path(directory)
        if settings.kind == "flat":
            vectors = _read_embeddings(directory, mmap=False)
            _check_shape(vectors.shape, expect_rows, expect_dim, directory / EMBEDDINGS_FILE)
            index = faiss.IndexFlatIP(vectors.shape[1])
            index.add(np.ascontiguousarray(vectors))
            return cls(index, settings)
        header = _read_embeddings(directory, mmap=True)  # validates the file, reads no data
        _check_shape(header.shape, expect_rows, expect_dim, directory / EMBEDDINGS_FILE)
        index = _read_hnsw(directory / HNSW_FILE, settings)
        if (index.ntotal, index.d) != header.shape:
            raise IndexStoreError(
                f"{directory / HNSW_FILE} holds {index.ntotal}x{index.d} vectors but {EMBEDDINGS_FILE} "
                f"{header.shape[0]}x{header.shape[1]}: the index is inconsistent; rebuild it")
        return cls(index, settings)


def _read_embeddings(directory: Path, mmap: bool) -> np.ndarray:
    path = directory / EMBEDDINGS_FILE
    if not path.is_file():
        raise IndexStoreError(f"{path} is missing: the index is incomplete; rebuild it")
    try:
        vectors = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        # numpy's own message for a garbage file suggests allow_pickle=True: never that.
        raise IndexStoreError(f"{path} is corrupt: not a .npy array file ({type(e).__name__})") from e
    if vectors.ndim != 2 or vectors.dtype != np.float32 or vectors.shape[1] == 0:
        raise IndexStoreError(
            f"{path} holds a {vectors.dtype} array of shape {vectors.shape}, expected (n, dim) float32; "
            "rebuild the index")
    return vectors


def _check_shape(shape: tuple[int, ...], rows: int | None, dim: int | None, path: Path) -> None:
    if rows is not None and shape[0] != rows:
        raise IndexStoreError(f"{path} has {shape[0]} rows, the manifest {rows} chunks; rebuild the index")
    if dim is not None and shape[1] != dim:
        raise IndexStoreError(f"{path} has dimension {shape[1]}, the model {dim}; rebuild the index")


def _read_hnsw(path: Path, settings: FaissSettings) -> faiss.Index:
    if not path.is_file():
        raise IndexStoreError(f"{path} is missing (settings ask for an HNSW index); rebuild the index")
    try:
        # read_index already returns the concrete class; downcast_index would return a
        # non-owning wrapper whose object dies with the temporary one.
        index = faiss.read_index(str(path))
    except RuntimeError as e:
        raise IndexStoreError(f"{path} is not a readable faiss index ({e}); rebuild the index") from e
    if not isinstance(index, faiss.IndexHNSWFlat) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise IndexStoreError(f"{path} is not an inner-product HNSW index; rebuild the index")
    if index.hnsw.nb_neighbors(1) != settings.hnsw_m:
        raise IndexStoreError(
            f"{path} was built with hnsw_m={index.hnsw.nb_neighbors(1)}, settings say "
            f"{settings.hnsw_m}; rebuild the index")
    return index
