"""Change an index in place: add documents to it, or remove some (`qa add`, `qa remove`).

An update is a rebuild that starts from the index itself rather than from the source
files: the documents it holds (their text is kept in `documents.jsonl`) plus or minus
the ones named, written through the same steps as `indexer.build` into a staging folder
and swapped in under the index's writer lock, so an interrupted update leaves the index
exactly as it was. What the index was built with comes from its manifest, never from
the defaults: the settings (model, chunking, tokenizer, BM25, faiss kind) and the
glossary kept in the folder. Only new chunks are embedded (the others keep their
vectors, bit for bit); the chunks of unchanged documents are reused too when the index
was chunked by this chunker with this glossary; BM25's statistics (document frequencies,
average length) are rebuilt over all chunks, as they depend on every one.

So an index after `add` then `remove` of the same document equals the index never given
it: same chunks, same vectors, same BM25, same answers.
"""

from __future__ import annotations

import fnmatch
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from corpus.chunker import chunk_document
from corpus.errors import DocumentFilterError, IndexStoreError
from corpus.types import Chunk, Document
from indexer import commit
from indexer.build import Progress, Reusable, _quiet, measured_rate, staged_commit, write_parts
from indexer.faults import fault_point
from indexer.index import EMBEDDINGS, Index
from indexer.lock import WriterLock
from indexer.settings import build_inputs
from indexer.sources import recorded_sources, shown_names, source_path
from indexer.store import DENSE_DIR, read_manifest, read_records

LISTED = 20  # document names a "no such document" refusal lists before "and N more"


@dataclass(frozen=True)
class UpdateReport:
    """What `add_documents` / `remove_documents` did, for the CLI to show. `documents` and
    `chunks` are the index's counts afterwards; `written` is False when nothing changed
    (every document given was already in the index with the same text)."""

    path: Path
    documents: int
    chunks: int
    embedded: int
    reused: int
    seconds: float
    embed_seconds: float
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    written: bool = True
    seconds_per_chunk: float | None = None  # measured by this update (None: too few embedded)


def add_documents(index_dir: Path, documents: Sequence[Document],
                  sources: Mapping[str, Path | str] | None = None,
                  progress: Progress | None = None, wait: bool = False) -> UpdateReport:
    """Add `documents` to the index at `index_dir`, in place and atomically.

    A document whose doc_id the index already holds is replaced when its text changed
    (`replaced`) and left alone when not (`unchanged`). `sources` (doc_id -> the file or
    folder it was read from) is recorded as `qa index` records it. Raises
    `IndexStoreError` when there is no index there, or it is damaged (with how to
    rebuild it), or another build or update of it is running (unless `wait`).
    """
    if not documents:
        raise IndexStoreError("no documents to add")
    say = progress or _quiet
    with _locked_current(index_dir, wait) as (started, current):
        held = current.index.documents
        added = tuple(d.doc_id for d in documents if d.doc_id not in held)
        replaced = tuple(d.doc_id for d in documents if d.doc_id in held and d.text != held[d.doc_id].text)
        unchanged = tuple(d.doc_id for d in documents if d.doc_id in held and d.text == held[d.doc_id].text)
        if not added and not replaced:
            return current.report(started, unchanged=unchanged)
        new = {d.doc_id: d for d in documents if d.doc_id not in unchanged}
        merged = sorted([d for d in held.values() if d.doc_id not in new] + list(new.values()),
                        key=lambda d: d.doc_id)
        origins = {**current.sources, **{doc_id: source_path(p) for doc_id, p in (sources or {}).items()
                                         if doc_id in new}}
        for doc_id in replaced:
            if doc_id not in (sources or {}):
                origins.pop(doc_id, None)  # the old source no longer says where this text came from
        say(f"adding {len(added)} and replacing {len(replaced)} of {len(held)} documents")
        return current.rewrite(merged, origins, say, started, added=added, replaced=replaced,
                               unchanged=unchanged)


def remove_documents(index_dir: Path, patterns: Sequence[str], progress: Progress | None = None,
                     wait: bool = False) -> UpdateReport:
    """Remove the documents matching `patterns` (a doc_id as `qa info` shows it, or a shell
    glob over them) from the index at `index_dir`, in place and atomically; nothing is
    embedded. A pattern that matches nothing is refused (`DocumentFilterError`, listing
    the documents the index holds), and so is removing every document."""
    if not patterns:
        raise DocumentFilterError("name the documents to remove (their ids as `qa info` shows them, or a glob)")
    say = progress or _quiet
    with _locked_current(index_dir, wait) as (started, current):
        target = current.target
        held = current.index.documents
        removed = matching(target, sorted(held), patterns)
        if len(removed) == len(held):
            raise IndexStoreError(
                f"refusing to remove all {len(held)} documents of {target}: an index holds at least one. "
                f"Delete the folder instead (rm -r {target}), or build a new one with "
                f"qa index PATH... --out {target} --replace"
            )
        gone = set(removed)
        merged = [d for doc_id, d in sorted(held.items()) if doc_id not in gone]
        origins = {doc_id: source for doc_id, source in current.sources.items() if doc_id not in gone}
        say(f"removing {len(removed)} of {len(held)} documents")
        return current.rewrite(merged, origins, say, started, removed=tuple(removed))


def matching(target: Path, doc_ids: Sequence[str], patterns: Sequence[str]) -> list[str]:
    """The doc_ids matching any pattern (exactly, or as a shell glob), in index order.
    Every pattern that matches nothing is named in one refusal with the documents held."""
    missed = [p for p in patterns if not any(d == p or fnmatch.fnmatchcase(d, p) for d in doc_ids)]
    if missed:
        listed = shown_names(list(doc_ids), LISTED)
        raise DocumentFilterError(
            f"no document of the index at {target} matches {shown_names(missed, LISTED)}; it holds "
            f"{len(doc_ids)} documents: {listed} (named by their path relative to the folder they "
            f"were read from; `qa info {target}` lists them)"
        )
    wanted = set(patterns)
    return [d for d in doc_ids if d in wanted or any(fnmatch.fnmatchcase(d, p) for p in patterns)]


@dataclass
class _Current:
    """The index being updated, fully verified, with its vectors."""

    target: Path
    index: Index
    vectors: np.ndarray
    sources: dict[str, str]

    def report(self, started: float, **names) -> UpdateReport:
        """Nothing to write: the index as it is."""
        return UpdateReport(self.target, len(self.index.documents), len(self.index.chunks), 0, 0,
                            time.perf_counter() - started, 0.0, written=False, **names)

    def chunks_of(self, documents: list[Document], say: Progress) -> list[Chunk]:
        """Chunks of `documents` in index order: an unchanged document keeps its chunks when
        the index was chunked by this chunker with its own glossary (what chunking it again
        would give), else it is chunked again, like a new one."""
        index = self.index
        glossary = index.glossary
        same_chunker = self.index.manifest.get("build_inputs") == build_inputs(glossary)
        kept: dict[str, list[Chunk]] = {}
        if same_chunker:
            for chunk in index.chunks:
                kept.setdefault(chunk.doc_id, []).append(chunk)
        fresh = [d for d in documents if not (d.doc_id in kept and index.documents[d.doc_id].text == d.text)]
        if fresh:
            say(f"chunking {len(fresh)} documents" + ("" if same_chunker else
                " (the index was chunked by another chunker version: all of them again)"))
        chunks: list[Chunk] = []
        fresh_ids = {d.doc_id for d in fresh}
        for document in documents:
            if document.doc_id in fresh_ids:
                chunks.extend(chunk_document(document, index.settings.chunking, glossary))
            else:
                chunks.extend(kept[document.doc_id])
        return chunks

    def rewrite(self, documents: list[Document], origins: dict[str, str], say: Progress, started: float,
                **names) -> UpdateReport:
        index = self.index

        def write(staging: Path) -> tuple[int, int, float]:
            chunks = self.chunks_of(documents, say)
            fault_point("chunked")
            reuse = Reusable.of(index.chunks, self.vectors)
            return write_parts(staging, documents, chunks, index.settings, index.glossary, say,
                               lambda model_id: reuse if model_id == index.model_id else Reusable({}), origins)

        count, embedded, embed_seconds = staged_commit(self.target, write)
        return UpdateReport(self.target, len(documents), count, embedded, count - embedded,
                            time.perf_counter() - started, embed_seconds,
                            seconds_per_chunk=measured_rate(embedded, embed_seconds), **names)


@contextmanager
def _locked_current(index_dir: Path, wait: bool) -> Iterator[tuple[float, "_Current"]]:
    """What add and remove both start with: the index's writer lock held, the start time,
    and the index opened and verified (`_open_current`)."""
    target = commit.absolute_target(Path(index_dir))
    with WriterLock(target, wait=wait):
        started = time.perf_counter()
        fault_point("locked")
        yield started, _open_current(target)


def _open_current(target: Path) -> _Current:
    """The index at `target` (the caller holds its writer lock), verified as `qa ask` would
    load it, every part included: an update never builds on a damaged index."""
    commit.recover_locked(target)  # a build killed between its renames: put the index back
    manifest = read_manifest(target)
    commit.check_replaceable(target)
    documents, chunks = read_records(target, manifest)
    index = Index(target, manifest, documents, chunks)
    index.verify()
    vectors = np.load(target / DENSE_DIR / EMBEDDINGS, allow_pickle=False)
    sources = {doc_id: source for doc_id, source in recorded_sources(manifest).items() if source}
    return _Current(target, index, vectors, sources)
