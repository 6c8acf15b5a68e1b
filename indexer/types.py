"""Retrieval results and the one protocol every retriever meets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

HIT_SOURCES = ("bm25", "dense", "rrf", "convex")


@dataclass(frozen=True)
class Hit:
    """A scored reference to a chunk. Fusion makes new hits, never edits old ones.
    `rank` starts at 1; `source` names the retriever or fusion that made it."""

    chunk_id: str
    score: float
    rank: int
    source: str


class Retriever(Protocol):
    """What the QA layer depends on: BM25, dense and hybrid retrievers all meet it."""

    def search(self, query: str, k: int, rows: "np.ndarray | None" = None) -> list[Hit]:
        """Return at most `k` hits, best first, ranks 1..n; with `rows` (sorted row
        numbers, `Index.rows_of`), only hits among those rows."""
        ...
