"""Build an index directory from documents: chunk, tokenise, BM25, embed, faiss, write.

Embedding is the slow step (about 25 passages a second here), so a rebuild reuses the
vectors of every chunk whose indexed text is unchanged from a previous index built with
the same model, and embeds only the new ones.
"""

from __future__ import annotations

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
from indexer.store import (
    BM25_DIR,
    DENSE_DIR,
    FORMAT_VERSION,
    GLOSSARY,
    corpus_sha256,
    package_version,
    read_manifest,
    read_records,
    stage_index,
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
    which is slower but correct)."""
    if previous is None or not Path(previous).exists():
        return Reusable({})
    try:
        manifest = read_manifest(previous)
        if manifest.get("model", {}).get("model_id") != model_id:
            return Reusable({})
        _, chunks = read_records(previous, manifest)
        vectors = np.load(Path(previous) / DENSE_DIR / "embeddings.npy", allow_pickle=False)
    except (QAError, OSError, ValueError):
        return Reusable({})
    if len(vectors) != len(chunks):
        return Reusable({})
    rate = manifest.get("embedding", {}).get("seconds_per_chunk", 0.0)
    return Reusable(
        {text_sha256(indexable_text(c)): vectors[i] for i, c in enumerate(chunks)},
        float(rate) if isinstance(rate, (int, float)) else 0.0,
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
) -> BuildReport:
    """Build the index of `documents` into `out_dir`, atomically.

    `reuse_from` (by default `out_dir` itself) is a previous index whose vectors are
    reused for unchanged chunks. `glossary` (default: the bundled one) renders table rows
    and gives jieba its words; it is written into the index, so questions are read with
    it too. An interrupted build leaves `out_dir` as it was.
    """
    from indexer.encoder import load_passage_encoder  # heavy: torch

    settings = settings or IndexSettings()
    if glossary is not None and glossary.chinese_terms() != settings.tokenizer.user_terms:
        settings = replace(settings, tokenizer=replace(settings.tokenizer, user_terms=glossary.chinese_terms()))
    glossary = glossary or load_glossary()
    say = progress or _quiet
    out_dir = Path(out_dir)
    if not documents:
        raise IndexStoreError("no documents to index")
    started = time.perf_counter()
    staged = stage_index(out_dir)
    try:
        say(f"chunking {len(documents)} documents")
        chunks = chunk_documents(list(documents), settings.chunking, glossary)
        texts = [indexable_text(c) for c in chunks]
        say(f"BM25 over {len(chunks)} chunks")
        bm25 = BM25Index.build(Tokenizer(settings.tokenizer).tokenize_many(texts), settings.bm25)
        encoder = load_passage_encoder(settings.dense)
        reuse = reusable_vectors(reuse_from if reuse_from is not None else out_dir, encoder.model_id)
        say(f"embedding with {encoder.model_id}")
        vectors, embedded, embed_seconds = embed_chunks(texts, settings, reuse.vectors, encoder)
        rate = embed_seconds / embedded if embedded else reuse.seconds_per_chunk
        dense = DenseIndex.build(vectors, settings.faiss)
        write_records(staged.staging, list(documents), chunks)
        (staged.staging / GLOSSARY).write_text(glossary_tsv(glossary), encoding="utf-8")
        bm25.save(staged.staging / BM25_DIR)
        dense.save(staged.staging / DENSE_DIR)
        write_manifest(staged.staging, _manifest(documents, chunks, settings, encoder, rate, glossary))
        staged.commit()
    except BaseException:
        staged.abandon()
        raise
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
