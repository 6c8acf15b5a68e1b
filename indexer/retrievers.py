"""The BM25, dense and hybrid retrievers over a loaded index; all meet `Retriever`.

`make_retriever(index, mode)` is the one entry point the QA layer uses. Modes:
`bm25`, `dense`, `hybrid` (the fusion given, by default FusionSettings()), and the explicit
`hybrid-rrf` / `hybrid-convex` that the evaluation compares side by side.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from corpus.errors import IndexStoreError, SettingsError
from indexer.fusion import FusionSettings, convex_combination, reciprocal_rank_fusion
from indexer.index import Index
from indexer.store import rebuild_hint
from indexer.types import Hit, Retriever

MODES = ("bm25", "dense", "hybrid", "hybrid-rrf", "hybrid-convex")
# How deep each list goes before fusion: fusing only the top k of each would let a chunk
# ranked k+1 by both retrievers vanish, though fusion would put it near the top.
FUSION_DEPTH = 100


class BM25Retriever:
    def __init__(self, index: Index):
        self.index = index

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[Hit]:
        tokens = self.index.tokenizer.tokenize(query)
        rows, scores = self.index.bm25.top_k(tokens, k, rows)
        chunks = self.index.chunks
        return [
            Hit(chunks[int(row)].chunk_id, float(score), rank, "bm25")
            for rank, (row, score) in enumerate(zip(rows, scores), start=1)
        ]


class DenseRetriever:
    def __init__(self, index: Index, encoder):
        if encoder.model_id != index.model_id:
            raise IndexStoreError(
                f"the index at {index.path} was built with {index.model_id}, but the query "
                f"encoder is {encoder.model_id}; query it in --mode bm25, or "
                f"{rebuild_hint(index.path)}"
            )
        precision = getattr(encoder, "precision", "fp32")
        if precision != index.precision:
            raise IndexStoreError(
                f"the index at {index.path} holds {index.precision} vectors, but the query encoder "
                f"is {precision}: queries must be embedded at the index's precision")
        self.index = index
        self.encoder = encoder

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[Hit]:
        vector = self.encoder.encode([query])
        scores, rows = self.index.dense.search(vector, k, rows)
        chunks = self.index.chunks
        hits = []
        for score, row in zip(scores[0], rows[0]):
            if row < 0:
                continue
            hits.append(Hit(chunks[int(row)].chunk_id, float(score), len(hits) + 1, "dense"))
        return hits


class HybridRetriever:
    def __init__(self, lexical: Retriever, dense: Retriever, fusion: FusionSettings, depth: int = FUSION_DEPTH):
        self.lexical = lexical
        self.dense = dense
        self.fusion = fusion
        self.depth = depth

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[Hit]:
        depth = max(k, self.depth)
        lexical_hits = self.lexical.search(query, depth, rows)
        dense_hits = self.dense.search(query, depth, rows)
        if self.fusion.method == "rrf":
            return reciprocal_rank_fusion([lexical_hits, dense_hits], k=self.fusion.rrf_k, limit=k)
        return convex_combination(lexical_hits, dense_hits, alpha=self.fusion.alpha, limit=k)


def load_query_encoder_for(index: Index):
    """The query encoder of the index's model at the index's precision (the light numpy
    path for fp32 when it can be; ONNX Runtime for int8)."""
    from indexer.encoder import load_query_encoder

    return load_query_encoder(index.settings.dense)


def make_retriever(index: Index, mode: str = "hybrid", encoder=None, fusion: FusionSettings | None = None) -> Retriever:
    """A retriever of the given mode; `encoder` is loaded from the index's model if needed."""
    if mode not in MODES:
        raise SettingsError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if mode == "bm25":
        return BM25Retriever(index)
    dense = DenseRetriever(index, encoder or load_query_encoder_for(index))
    if mode == "dense":
        return dense
    fusion = fusion or FusionSettings()
    if mode == "hybrid-rrf":
        fusion = replace(fusion, method="rrf")
    elif mode == "hybrid-convex":
        fusion = replace(fusion, method="convex")
    return HybridRetriever(BM25Retriever(index), dense, fusion)
