"""A loaded index: documents, chunks, and the BM25 and dense parts, each loaded on first use.

Loading is lazy so that BM25-only work never imports faiss's model side or torch, and a
cold `qa ask` pays only for what its mode needs. Every file is verified before it is used
(`indexer.verify`: the records at load, each part on first use), and the folder is pinned
(`indexer.lock.pin`): a rebuild that swaps a new index in meanwhile is not seen by this
one, which keeps reading the folder it opened.
"""

from __future__ import annotations

import fnmatch
import os
from functools import cached_property
from pathlib import Path
from typing import Sequence

from corpus.errors import DocumentFilterError, IndexStoreError, QAError, SettingsError
from corpus.types import Chunk, Document
from indexer import verify
from indexer.oserrors import os_error
from indexer.settings import IndexSettings
from indexer.store import BM25_DIR, DENSE_DIR, GLOSSARY, read_manifest, read_records, rebuild_hint

EMBEDDINGS = "embeddings.npy"


class Index:
    """An index directory opened for searching. Build one with `indexer.build.build_index`."""

    def __init__(self, path: Path, manifest: dict, documents: list[Document], chunks: list[Chunk],
                 root: Path | None = None):
        self.path = Path(path)
        self.root = Path(root) if root is not None else self.path  # where files are read (pinned)
        self._verified: set[str] = set()
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
        from indexer.commit import recover_missing
        from indexer.lock import keep_until, pin

        path = Path(path)
        if not path.exists():
            recover_missing(path)  # a build killed between its two renames
        read_manifest(path)  # refuses a missing path or a file with the usual words
        try:
            pinned = pin(path)
        except OSError as error:
            raise os_error(error, path, "cannot open the index") from error
        try:
            manifest = read_manifest(path, pinned.root)
            documents, chunks = read_records(path, manifest, pinned.root)
            index = cls(path, manifest, documents, chunks, pinned.root)
        except BaseException:
            os.close(pinned.fd)
            raise
        keep_until(index, pinned)
        return index

    @property
    def model_id(self) -> str:
        return self.manifest["model"]["model_id"]

    @property
    def precision(self) -> str:
        """fp32 or int8: what the vectors were embedded at, and so its queries must be."""
        return self.settings.dense.precision

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

        if GLOSSARY not in verify.file_list(self.manifest, self.path):
            return load_glossary()
        return read_glossary(self.root / GLOSSARY)  # verified with the records at load

    @cached_property
    def tokenizer(self):
        from indexer.tokenizer import Tokenizer

        return Tokenizer(self.settings.tokenizer)

    @cached_property
    def bm25(self):
        from indexer.bm25 import BM25Index

        self._verify_part(BM25_DIR)
        bm25 = self._load_part(BM25_DIR, lambda p: BM25Index.load(p))
        self._check_rows("BM25", len(bm25))
        return bm25

    @cached_property
    def dense(self):
        from indexer.dense import DenseIndex

        self._verify_part(DENSE_DIR)
        dim = self.manifest["model"]["dim"]
        dense = self._load_part(DENSE_DIR, lambda p: DenseIndex.load(
            p, self.settings.faiss, expect_rows=len(self.chunks), expect_dim=dim))
        self._check_rows("dense", len(dense))
        return dense

    def verify(self) -> "Index":
        """Verify every file now (checksums and structure of both parts), not on first use:
        what a cache must do before it trusts an entry."""
        for part in (BM25_DIR, DENSE_DIR):
            self._verify_part(part)
        return self

    def _verify_part(self, part: str) -> None:
        """Checksums of the part's files, then their structure; never twice. Only then may
        bm25s or faiss read them."""
        if part in self._verified:
            return
        verify.check_files(self.root, self.path, self.manifest, part)
        rows = len(self.chunks)
        if part == BM25_DIR:
            verify.check_bm25(self.root / part, self.path / part, self.path, rows)
        else:
            dim = self.manifest["model"]["dim"]
            verify.check_embeddings(self.root / part / EMBEDDINGS, self.path / part / EMBEDDINGS, self.path, rows, dim)
            if self.settings.faiss.kind == "hnsw" and f"{part}/dense.hnsw.faiss" not in self.manifest["files"]:
                raise verify.refuse(self.path / part / "dense.hnsw.faiss", "is not in the manifest's file list", self.path)
        self._verified.add(part)

    def _load_part(self, name: str, loader):
        shown = lambda text: text.replace(str(self.root), str(self.path))  # noqa: E731
        try:
            return loader(self.root / name)
        except QAError as error:
            raise IndexStoreError(f"{shown(str(error))}; {rebuild_hint(self.path)}") from error
        except (OSError, ValueError, KeyError, RuntimeError, MemoryError) as error:
            raise IndexStoreError(
                f"{self.path / name} is corrupted ({shown(str(error))[:200]}); {rebuild_hint(self.path)}"
            ) from error

    def _check_rows(self, part: str, rows: int) -> None:
        if rows != len(self.chunks):
            raise IndexStoreError(
                f"{self.path}: the {part} part has {rows} rows but there are "
                f"{len(self.chunks)} chunks; {rebuild_hint(self.path)}"
            )
