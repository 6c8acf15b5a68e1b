"""DenseIndex with real faiss: exact search values, HNSW recall, storage and its failures."""

import numpy as np
import pytest

from corpus.errors import IndexStoreError, SettingsError
from indexer.dense import EMBEDDINGS_FILE, HNSW_FILE, DenseIndex, FaissSettings

HNSW = FaissSettings(kind="hnsw", hnsw_m=16, ef_construction=100, ef_search=64)


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, dim: int = 32, centres: int = 20, seed: int = 0) -> np.ndarray:
    """Points around a few centres: uniform random vectors defeat any approximate index."""
    rng = np.random.default_rng(seed)
    c = unit(rng.standard_normal((centres, dim)))
    return unit(c[rng.integers(0, centres, n)] + 0.3 * rng.standard_normal((n, dim)) / np.sqrt(dim))


@pytest.fixture(scope="module")
def vectors():
    return unit(np.random.default_rng(1).standard_normal((200, 16)))


def test_flat_search_equals_numpy_dot_product(vectors):
    index = DenseIndex.build(vectors, FaissSettings())
    queries = unit(np.random.default_rng(2).standard_normal((4, 16)))
    scores, rows = index.search(queries, 10)
    full = queries @ vectors.T
    expected_rows = np.argsort(-full, axis=1)[:, :10]
    assert rows.dtype == np.int64 and scores.dtype == np.float32
    np.testing.assert_array_equal(rows, expected_rows)
    np.testing.assert_allclose(scores, np.take_along_axis(full, expected_rows, axis=1), atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_k_above_n_is_capped_without_minus_one_rows(vectors):
    for settings in (FaissSettings(), HNSW):
        index = DenseIndex.build(vectors[:5], settings)
        scores, rows = index.search(vectors[:2], 50)
        assert rows.shape == scores.shape == (2, 5)
        assert sorted(rows[0].tolist()) == [0, 1, 2, 3, 4] and rows[0, 0] == 0 and rows[1, 0] == 1


def test_empty_index_returns_empty_results():
    index = DenseIndex.build(np.zeros((0, 8), dtype=np.float32), FaissSettings())
    scores, rows = index.search(unit(np.ones((1, 8))), 3)
    assert len(index) == 0 and rows.shape == (1, 0) and scores.shape == (1, 0)


def test_hnsw_recall_on_clustered_vectors():
    data = clustered(3000)
    rng = np.random.default_rng(3)
    queries = unit(data[rng.integers(0, len(data), 50)] + 0.05 * rng.standard_normal((50, 32)))
    _, exact = DenseIndex.build(data, FaissSettings()).search(queries, 10)
    _, approx = DenseIndex.build(data, HNSW).search(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall >= 0.95


@pytest.mark.parametrize("settings", [FaissSettings(), HNSW], ids=["flat", "hnsw"])
def test_save_load_roundtrip(settings, vectors, tmp_path):
    index = DenseIndex.build(vectors, settings)
    index.save(tmp_path)
    assert (tmp_path / HNSW_FILE).exists() == (settings.kind == "hnsw")
    loaded = DenseIndex.load(tmp_path, settings, expect_rows=200, expect_dim=16)
    np.testing.assert_array_equal(np.load(tmp_path / EMBEDDINGS_FILE), vectors)
    np.testing.assert_array_equal(loaded.vectors, vectors)
    assert len(loaded) == 200 and loaded.dim == 16
    for a, b in zip(index.search(vectors[:5], 7), loaded.search(vectors[:5], 7)):
        np.testing.assert_array_equal(a, b)


def test_vectors_are_read_only_and_outlive_the_index(vectors):
    index = DenseIndex.build(vectors, FaissSettings())
    view = index.vectors
    del index
    with pytest.raises(ValueError):
        view[0, 0] = 0.0
    np.testing.assert_array_equal(view, vectors)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "missing", "wrong_dtype", "one_dim"])
def test_bad_embeddings_file_raises_index_store_error(damage, vectors, tmp_path):
    DenseIndex.build(vectors, FaissSettings()).save(tmp_path)
    path = tmp_path / EMBEDDINGS_FILE
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xffnot numpy at all" * 10)
    elif damage == "missing":
        path.unlink()
    elif damage == "wrong_dtype":
        np.save(path, vectors.astype(np.float64))
    else:
        np.save(path, vectors[0])
    with pytest.raises(IndexStoreError, match=EMBEDDINGS_FILE):
        DenseIndex.load(tmp_path, FaissSettings())


def test_corrupt_or_mismatched_hnsw_file_raises(vectors, tmp_path):
    DenseIndex.build(vectors, HNSW).save(tmp_path)
    with pytest.raises(IndexStoreError, match="hnsw_m=16"):
        DenseIndex.load(tmp_path, FaissSettings(kind="hnsw", hnsw_m=32))
    with pytest.raises(IndexStoreError, match="rows"):
        DenseIndex.load(tmp_path, HNSW, expect_rows=201)
    (tmp_path / HNSW_FILE).write_bytes(b"junk" * 50)
    with pytest.raises(IndexStoreError, match="not a readable faiss index"):
        DenseIndex.load(tmp_path, HNSW)
    (tmp_path / HNSW_FILE).unlink()
    with pytest.raises(IndexStoreError, match="missing"):
        DenseIndex.load(tmp_path, HNSW)


@pytest.mark.parametrize("bad", [np.ones((3, 4), dtype=np.float32), np.ones((3, 4)), np.ones(4, dtype=np.float32)])
def test_build_rejects_unnormalised_or_misshapen_vectors(bad):
    with pytest.raises(ValueError):
        DenseIndex.build(bad, FaissSettings())


def test_search_rejects_wrong_dimension_and_k(vectors):
    index = DenseIndex.build(vectors, FaissSettings())
    with pytest.raises(ValueError, match="dimension"):
        index.search(unit(np.ones((1, 8))), 3)
    with pytest.raises(ValueError, match="k must"):
        index.search(vectors[:1], 0)


@pytest.mark.parametrize("kwargs", [{"kind": "ivf"}, {"hnsw_m": 1}, {"ef_search": 0}, {"ef_construction": True}])
def test_faiss_settings_validate(kwargs):
    with pytest.raises(SettingsError):
        FaissSettings(**kwargs)


def test_faiss_settings_to_dict():
    assert FaissSettings().to_dict() == {"kind": "flat", "hnsw_m": 16, "ef_construction": 64, "ef_search": 512}
