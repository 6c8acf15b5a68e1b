"""A loaded index: documents, chunks, and the BM25 and dense parts, each loaded on first use.

Loading is lazy so that BM25-only work never imports faiss's model side or torch, and a
cold `qa ask` pays only for what its mode needs.
"""

from __future__ import annotations

import fnmatch
from functools import cached_property
from pathlib import Path
from typing import Sequence

from corpus.errors import DocumentFilterError, IndexStoreError, QAError, SettingsError
from corpus.types import Chunk, Document
from indexer.settings import IndexSettings
from indexer.store import BM25_DIR, DENSE_DIR, GLOSSARY, read_manifest, read_records, rebuild_hint


class Index:
    """An index directory opened for searching. Build one with `indexer.build.build_index`."""

    def __init__(self, path: Path, manifest: dict, documents: list[Document], chunks: list[Chunk]):
        self.path = Path(path)
        self.manifest = manifest
        self.documents = {doc.doc_id: doc for doc in documents}
        self.chunks = chunks
        self._row_of = {chunk.chunk_id: row for row, chunk in enumerate(chunks)}
        try:
            self.settings = IndexSettings.from_dict(manifest["settings"])
        except (KeyError, TypeError, SettingsError) as error:
            raise IndexStoreError(
                f"{path} was built with settings this version does not understand ({error}); "
                f"{rebuild_hint(path)}"
            ) from error

    @classmethod
    def load(cls, path: Path) -> "Index":
        """Open the index at `path`; refuses, with the reason and the fix, anything that
        is missing, partial, corrupted or of another format version."""
        manifest = read_manifest(Path(path))
        documents, chunks = read_records(Path(path), manifest)
        return cls(Path(path), manifest, documents, chunks)

    @property
    def model_id(self) -> str:
        return self.manifest["model"]["model_id"]

    def chunk(self, chunk_id: str) -> Chunk:
        try:
            return self.chunks[self._row_of[chunk_id]]
        except KeyError as error:
            raise IndexStoreError(f"chunk {chunk_id} is not in the index at {self.path}") from error

    def row(self, chunk_id: str) -> int:
        return self._row_of[chunk_id]

    def matching_documents(self, patterns: Sequence[str]) -> list[str]:
        """The ids of the documents that match any of `patterns`: a document id (its path
        relative to the corpus root) or a shell glob over it ("reports/2019-*.md").
        Raises `DocumentFilterError`, listing some ids, when a pattern matches none."""
        matched: list[str] = []
        for pattern in patterns:
            hits = [d for d in self.documents if d == pattern or fnmatch.fnmatchcase(d, pattern)]
            if not hits:
                sample = ", ".join(sorted(self.documents)[:5])
                more = f" (and {len(self.documents) - 5} more)" if len(self.documents) > 5 else ""
                raise DocumentFilterError(
                    f"no document in the index at {self.path} matches {pattern!r}; documents are named "
                    f"by their path relative to the corpus root, e.g. {sample}{more}"
                )
            matched += [d for d in hits if d not in matched]
        return matched

    def rows_of(self, patterns: Sequence[str]):
        """Sorted row numbers of the chunks of the documents matching `patterns`: the
        filter a retriever's `search(..., rows=)` takes."""
        import numpy as np

        wanted = set(self.matching_documents(patterns))
        return np.array([row for row, chunk in enumerate(self.chunks) if chunk.doc_id in wanted], dtype=np.int64)

    @cached_property
    def glossary(self):
        """The glossary the index was built with (the bundled one for an index without)."""
        from corpus.glossary import load_glossary, read_glossary

        path = self.path / GLOSSARY
        return read_glossary(path) if path.is_file() else load_glossary()

    @cached_property
    def tokenizer(self):
        from indexer.tokenizer import Tokenizer

        return Tokenizer(self.settings.tokenizer)

    @cached_property
    def bm25(self):
        from indexer.bm25 import BM25Index

        bm25 = self._load_part(BM25_DIR, lambda p: BM25Index.load(p))
        self._check_rows("BM25", len(bm25))
        return bm25

    @cached_property
    def dense(self):
        from indexer.dense import DenseIndex

        dense = self._load_part(DENSE_DIR, lambda p: DenseIndex.load(p, self.settings.faiss))
        self._check_rows("dense", len(dense))
        return dense

    def verify(self) -> "Index":
        """Open the BM25 part and read the embeddings' header: what a cache must check
        before it trusts an entry (loading alone reads only the manifest and records)."""
        import numpy as np

        self._check_rows("BM25", len(self.bm25))  # opening it reads every BM25 file
        embeddings = self.path / DENSE_DIR / "embeddings.npy"
        try:
            rows = np.load(embeddings, mmap_mode="r", allow_pickle=False).shape[0]
        except (OSError, ValueError, IndexError) as error:
            raise IndexStoreError(f"{embeddings} is not a readable .npy array; {rebuild_hint(self.path)}") from error
        self._check_rows("dense", rows)
        return self

    def _load_part(self, name: str, loader):
        try:
            return loader(self.path / name)
        except QAError as error:
            raise IndexStoreError(f"{error}; {rebuild_hint(self.path)}") from error
        except (OSError, ValueError, KeyError) as error:
            raise IndexStoreError(
                f"{self.path / name} is corrupted ({error}); {rebuild_hint(self.path)}"
            ) from error

    def _check_rows(self, part: str, rows: int) -> None:
        if rows != len(self.chunks):
            raise IndexStoreError(
                f"{self.path}: the {part} part has {rows} rows but there are "
                f"{len(self.chunks)} chunks; {rebuild_hint(self.path)}"
            )
