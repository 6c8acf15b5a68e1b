"""Build an index directory from documents: chunk, tokenise, BM25, embed, faiss, write.

Embedding is the slow step (about 25 passages a second here), so a rebuild reuses the
vectors of every chunk whose indexed text is unchanged from a previous index built with
the same model, and embeds only the new ones.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from corpus.chunker import chunk_documents, indexable_text
from corpus.errors import IndexStoreError, QAError
from corpus.glossary import Glossary, glossary_tsv, load_glossary
from corpus.types import Chunk, Document
from indexer.bm25 import BM25Index
from indexer.dense import DenseIndex
from indexer.settings import IndexSettings, build_inputs
from indexer import commit, verify
from indexer.faults import fault_point
from indexer.lock import WriterLock
from indexer.oserrors import os_error
from indexer.store import (
    BM25_DIR,
    DENSE_DIR,
    FORMAT_VERSION,
    GLOSSARY,
    corpus_sha256,
    package_version,
    read_manifest,
    read_records,
    text_sha256,
    write_manifest,
    write_records,
)
from indexer.tokenizer import Tokenizer

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the CLI to show."""

    path: Path
    documents: int
    chunks: int
    embedded: int
    reused: int
    seconds: float
    embed_seconds: float
    seconds_per_chunk: float

    @property
    def saved_seconds(self) -> float:
        """Embedding time the reused vectors saved, at the measured rate per chunk."""
        return self.reused * self.seconds_per_chunk


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Reusable:
    """Vectors of a previous index keyed by the sha256 of their indexed text, and the
    embedding rate that index measured (seconds per chunk), for the saved-time estimate."""

    vectors: dict[str, np.ndarray]
    seconds_per_chunk: float = 0.0


def reusable_vectors(previous: Path | None, model_id: str) -> Reusable:
    """What a previous index can give this build. Only an index built with the same model
    counts; anything unreadable is simply not reused (the build then embeds everything,
    which is slower but correct). An index from before file checksums gives its vectors
    when they pass the structural checks (shape, finite, unit length)."""
    if previous is None or not Path(previous).exists():
        return Reusable({})
    previous = Path(previous)
    try:
        manifest = read_manifest(previous)
        if manifest.get("model", {}).get("model_id") != model_id:
            return Reusable({})
        checksums = verify.FILES_KEY in manifest
        _, chunks = read_records(previous, manifest, checksums=checksums)
        if checksums:
            verify.check_files(previous, previous, manifest, DENSE_DIR)
        embeddings = previous / DENSE_DIR / "embeddings.npy"
        verify.check_embeddings(embeddings, embeddings, previous, len(chunks), manifest["model"]["dim"])
        vectors = np.load(embeddings, allow_pickle=False)
    except (QAError, OSError, ValueError):
        return Reusable({})
    rate = manifest.get("embedding", {}).get("seconds_per_chunk", 0.0)
    return Reusable(
        {text_sha256(indexable_text(c)): vectors[i] for i, c in enumerate(chunks)},
        float(rate) if isinstance(rate, (int, float)) and not isinstance(rate, bool) else 0.0,
    )


def embed_chunks(
    texts: Sequence[str], settings: IndexSettings, reuse: dict[str, np.ndarray], encoder
) -> tuple[np.ndarray, int, float]:
    """Vectors for all texts, encoding only those not in `reuse`. Returns (vectors,
    number encoded, seconds spent encoding)."""
    keys = [text_sha256(t) for t in texts]
    todo = [i for i, key in enumerate(keys) if key not in reuse]
    started = time.perf_counter()
    fresh = encoder.encode([texts[i] for i in todo], show_progress=True) if todo else None
    seconds = time.perf_counter() - started
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for position, i in enumerate(todo):
        vectors[i] = fresh[position]
    for i, key in enumerate(keys):
        if key in reuse:
            vectors[i] = reuse[key]
    return vectors, len(todo), seconds


def build_index(
    documents: Sequence[Document],
    out_dir: Path,
    settings: IndexSettings | None = None,
    reuse_from: Path | None = None,
    progress: Progress | None = None,
    glossary: Glossary | None = None,
    wait: bool = False,
) -> BuildReport:
    """Build the index of `documents` into `out_dir`, atomically.

    `reuse_from` (by default `out_dir` itself) is a previous index whose vectors are
    reused for unchanged chunks. `glossary` (default: the bundled one) renders table rows
    and gives jieba its words; it is written into the index, so questions are read with
    it too. An interrupted build leaves `out_dir` as it was. One build of `out_dir` at a
    time: another one is refused with its pid (or, with `wait`, waited for).
    """
    out_dir = commit.absolute_target(Path(out_dir))
    if not documents:
        raise IndexStoreError("no documents to index")
    with WriterLock(out_dir, wait=wait):
        return build_locked(documents, out_dir, settings, reuse_from, progress, glossary)


def build_locked(
    documents: Sequence[Document],
    out_dir: Path,
    settings: IndexSettings | None = None,
    reuse_from: Path | None = None,
    progress: Progress | None = None,
    glossary: Glossary | None = None,
) -> BuildReport:
    """`build_index` for a caller that already holds `out_dir`'s `WriterLock` (the cache,
    which checks the entry again under the lock before building)."""
    settings = settings or IndexSettings()
    if glossary is not None and glossary.chinese_terms() != settings.tokenizer.user_terms:
        settings = replace(settings, tokenizer=replace(settings.tokenizer, user_terms=glossary.chinese_terms()))
    glossary = glossary or load_glossary()
    say = progress or _quiet
    if not documents:
        raise IndexStoreError("no documents to index")
    out_dir = commit.absolute_target(Path(out_dir))
    started = time.perf_counter()
    fault_point("locked")
    try:
        commit.recover_locked(out_dir)  # what a killed build left: put back, clean up
        commit.check_replaceable(out_dir)
        staging = commit.stage(out_dir)
    except OSError as error:
        raise os_error(error, out_dir, "cannot prepare") from error
    try:
        fault_point("staged")
        result = _build_into(staging, documents, settings, glossary, say,
                             reuse_from if reuse_from is not None else out_dir)
        commit.commit(staging, out_dir)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise os_error(error, getattr(error, "filename", None) or out_dir, "cannot write the index") from error
    except IndexStoreError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error.__cause__, OSError):  # a part's writer wrapped it: say what to do
            cause = error.__cause__
            raise os_error(cause, cause.filename or out_dir, "cannot write the index") from error
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    chunks, embedded, embed_seconds, rate = result
    return BuildReport(
        path=out_dir,
        documents=len(documents),
        chunks=len(chunks),
        embedded=embedded,
        reused=len(chunks) - embedded,
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
        seconds_per_chunk=rate,
    )


@dataclass(frozen=True)
class _NothingToEncode:
    """Stands in for the encoder when every vector is reused: loading the model (torch,
    seconds) buys nothing then."""

    model_id: str
    dim: int

    def encode(self, texts, show_progress: bool = False):
        raise RuntimeError("every vector was to be reused; nothing should be encoded")


def _encoder_and_reuse(texts: list[str], settings: IndexSettings, reuse_from: Path):
    from indexer.encoder import load_passage_encoder, model_id, resolve_model_path

    reuse = reusable_vectors(reuse_from, model_id(resolve_model_path(settings.dense.model)))
    if texts and reuse.vectors and all(text_sha256(t) in reuse.vectors for t in texts):
        first = next(iter(reuse.vectors.values()))
        return _NothingToEncode(model_id(resolve_model_path(settings.dense.model)), int(first.shape[0])), reuse
    return load_passage_encoder(settings.dense), reuse  # heavy: torch


def _build_into(staging: Path, documents, settings: IndexSettings, glossary: Glossary, say: Progress,
                reuse_from: Path):
    """Every file of the index, written into `staging`, the manifest last."""
    say(f"chunking {len(documents)} documents")
    chunks = chunk_documents(list(documents), settings.chunking, glossary)
    fault_point("chunked")
    texts = [indexable_text(c) for c in chunks]
    say(f"BM25 over {len(chunks)} chunks")
    bm25 = BM25Index.build(Tokenizer(settings.tokenizer).tokenize_many(texts), settings.bm25)
    fault_point("bm25-built")
    encoder, reuse = _encoder_and_reuse(texts, settings, reuse_from)
    say(f"embedding with {encoder.model_id}")
    vectors, embedded, embed_seconds = embed_chunks(texts, settings, reuse.vectors, encoder)
    rate = embed_seconds / embedded if embedded else reuse.seconds_per_chunk
    dense = DenseIndex.build(vectors, settings.faiss)
    fault_point("embedded")
    write_records(staging, list(documents), chunks)
    (staging / GLOSSARY).write_text(glossary_tsv(glossary), encoding="utf-8")
    fault_point("records-written")
    bm25.save(staging / BM25_DIR)
    fault_point("bm25-written")
    dense.save(staging / DENSE_DIR)
    fault_point("dense-written")
    write_manifest(staging, _manifest(documents, chunks, settings, encoder, rate, glossary))
    fault_point("manifest-written")
    return chunks, embedded, embed_seconds, rate


def _manifest(
    documents: Sequence[Document],
    chunks: list[Chunk],
    settings: IndexSettings,
    encoder,
    seconds_per_chunk: float,
    glossary: Glossary,
) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "package_version": package_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": settings.to_dict(),
        "build_inputs": build_inputs(glossary),
        "model": {"name": settings.dense.model, "model_id": encoder.model_id, "dim": encoder.dim},
        "embedding": {"seconds_per_chunk": seconds_per_chunk},
        "corpus": {
            "sha256": corpus_sha256(documents),
            "documents": [{"doc_id": d.doc_id, "sha256": text_sha256(d.text)} for d in documents],
        },
        "document_count": len(documents),
        "chunk_count": len(chunks),
    }
