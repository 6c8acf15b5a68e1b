"""Chunks -> BM25 + dense index on disk; retrieval and fusion. Depends on `corpus` only."""
