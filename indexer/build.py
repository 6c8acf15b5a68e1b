"""Build an index directory from documents: chunk, tokenise, BM25, embed, faiss, write.

Embedding is the slow step (about 25 passages a second here), so a rebuild reuses the
vectors of every chunk whose indexed text is unchanged from a previous index built with
the same model at the same precision, and embeds only the new ones. `indexer.update`
(qa add / qa remove) writes through the same steps (`write_parts`, `staged_commit`).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence, TypeVar

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
from indexer.sources import check_rebuild, source_path
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
T = TypeVar("T")

# Embedding fewer chunks than this measures mostly the per-call overhead (here one chunk
# took 0.5 s, against 0.14 s a chunk in a batch of 32), so no rate is taken from it.
MIN_RATE_CHUNKS = 32


def measured_rate(embedded: int, embed_seconds: float) -> float | None:
    """Seconds per chunk this build measured, or None when it embedded too few to tell."""
    return embed_seconds / embedded if embedded >= MIN_RATE_CHUNKS else None


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
    seconds_per_chunk: float | None  # measured by this build; None when it embedded < MIN_RATE_CHUNKS

    @property
    def saved_seconds(self) -> float | None:
        """Embedding time the reused vectors saved, priced at the rate this build measured;
        None when nothing was reused or this build embedded too few chunks to measure a rate
        (an estimate from a one-chunk rate, or from another machine's, was off by 10x)."""
        if not self.reused or self.seconds_per_chunk is None:
            return None
        return self.reused * self.seconds_per_chunk


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Reusable:
    """Vectors of a previous index keyed by the sha256 of their indexed text."""

    vectors: dict[str, np.ndarray]
    other_precision: str | None = None  # the previous index's, when it differs: nothing reused

    @classmethod
    def of(cls, chunks: Sequence[Chunk], vectors: np.ndarray) -> "Reusable":
        return cls({text_sha256(indexable_text(c)): vectors[i] for i, c in enumerate(chunks)})


def index_precision(manifest: dict) -> str:
    """The precision an index's vectors were embedded at (fp32 for an index from before
    the field existed)."""
    from indexer.encoder import LEGACY_PRECISION

    dense = manifest.get("settings", {}).get("dense", {})
    return dense.get("precision", LEGACY_PRECISION) if isinstance(dense, dict) else LEGACY_PRECISION


def reusable_vectors(previous: Path | None, model_id: str, precision: str = "fp32") -> Reusable:
    """What a previous index can give this build. Only an index built with the same model
    at the same precision counts (an index never mixes fp32 and int8 vectors); anything
    unreadable is simply not reused (the build then embeds everything, which is slower but
    correct). An index from before file checksums gives its vectors when they pass the
    structural checks (shape, finite, unit length)."""
    if previous is None or not Path(previous).exists():
        return Reusable({})
    previous = Path(previous)
    try:
        manifest = read_manifest(previous)
        if manifest.get("model", {}).get("model_id") != model_id:
            return Reusable({})
        if index_precision(manifest) != precision:
            return Reusable({}, other_precision=index_precision(manifest))
        checksums = verify.FILES_KEY in manifest
        _, chunks = read_records(previous, manifest, checksums=checksums)
        if checksums:
            verify.check_files(previous, previous, manifest, DENSE_DIR)
        embeddings = previous / DENSE_DIR / "embeddings.npy"
        verify.check_embeddings(embeddings, embeddings, previous, len(chunks), manifest["model"]["dim"])
        vectors = np.load(embeddings, allow_pickle=False)
    except (QAError, OSError, ValueError):
        return Reusable({})
    return Reusable.of(chunks, vectors)


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
    *,
    sources: Mapping[str, Path | str] | None = None,
    replace: bool = True,
) -> BuildReport:
    """Build the index of `documents` into `out_dir`, atomically.

    `reuse_from` (by default `out_dir` itself) is a previous index whose vectors are
    reused for unchanged chunks. `glossary` (default: the bundled one) renders table rows
    and gives jieba its words; it is written into the index, so questions are read with
    it too. `sources` (doc_id -> the file or folder it was read from,
    `corpus.loader.LoadedCorpus.sources`) is recorded in the manifest. With
    `replace=False` (what `qa index` does without --replace), a build that would drop
    documents of an existing index that came from other sources is refused
    (`indexer.sources.OtherSourcesError`, saying which). An interrupted build leaves
    `out_dir` as it was. One build of `out_dir` at a time: another one is refused with
    its pid (or, with `wait`, waited for).
    """
    out_dir = commit.absolute_target(Path(out_dir))
    if not documents:
        raise IndexStoreError("no documents to index")
    with WriterLock(out_dir, wait=wait):
        return build_locked(documents, out_dir, settings, reuse_from, progress, glossary,
                            sources=sources, replace=replace)


def build_locked(
    documents: Sequence[Document],
    out_dir: Path,
    settings: IndexSettings | None = None,
    reuse_from: Path | None = None,
    progress: Progress | None = None,
    glossary: Glossary | None = None,
    *,
    sources: Mapping[str, Path | str] | None = None,
    replace: bool = True,
) -> BuildReport:
    """`build_index` for a caller that already holds `out_dir`'s `WriterLock` (the cache,
    which checks the entry again under the lock before building)."""
    settings = settings or IndexSettings()
    if glossary is not None and glossary.chinese_terms() != settings.tokenizer.user_terms:
        settings = dataclasses.replace(
            settings, tokenizer=dataclasses.replace(settings.tokenizer, user_terms=glossary.chinese_terms()))
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
    except OSError as error:
        raise os_error(error, out_dir, "cannot prepare") from error
    if not replace:
        check_rebuild(out_dir, documents, sources)
    reuse = reuse_from if reuse_from is not None else out_dir

    def write(staging: Path) -> tuple[int, int, float]:
        say(f"chunking {len(documents)} documents")
        chunks = chunk_documents(list(documents), settings.chunking, glossary)
        fault_point("chunked")
        return write_parts(staging, list(documents), chunks, settings, glossary, say,
                           lambda model_id: reusable_vectors(reuse, model_id, settings.dense.precision),
                           recorded_sources(sources))

    chunk_count, embedded, embed_seconds = staged_commit(out_dir, write)
    return BuildReport(
        path=out_dir,
        documents=len(documents),
        chunks=chunk_count,
        embedded=embedded,
        reused=chunk_count - embedded,
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
        seconds_per_chunk=measured_rate(embedded, embed_seconds),
    )


def recorded_sources(sources: Mapping[str, Path | str] | None) -> dict[str, str]:
    """doc_id -> the source as the manifest records it (`indexer.sources.source_path`)."""
    return {doc_id: source_path(path) for doc_id, path in (sources or {}).items()}


def staged_commit(out_dir: Path, write: Callable[[Path], T]) -> T:
    """Run `write(staging)` into a new folder beside `out_dir`, then swap it in. Any error
    or interruption deletes the staging folder and leaves `out_dir` as it was; OS errors
    become a message naming the path. The caller holds `out_dir`'s `WriterLock`."""
    try:
        staging = commit.stage(out_dir)
    except OSError as error:
        raise os_error(error, out_dir, "cannot prepare") from error
    try:
        fault_point("staged")
        result = write(staging)
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
    return result


@dataclass(frozen=True)
class _NothingToEncode:
    """Stands in for the encoder when every vector is reused: loading the model (torch,
    seconds) buys nothing then."""

    model_id: str
    dim: int
    precision: str

    def encode(self, texts, show_progress: bool = False):
        raise RuntimeError("every vector was to be reused; nothing should be encoded")


def _encoder_and_reuse(texts: list[str], settings: IndexSettings, reusable: Callable[[str], Reusable],
                       say: Progress = _quiet):
    from indexer.encoder import load_passage_encoder, model_id, resolve_model_path

    precision = settings.dense.precision
    reuse = reusable(model_id(resolve_model_path(settings.dense.model)))
    if reuse.other_precision:
        say(f"the previous index was embedded at {reuse.other_precision}, this build at {precision}: "
            f"re-embedding all {len(texts)} chunks (an index never mixes precisions)")
    if texts and reuse.vectors and all(text_sha256(t) in reuse.vectors for t in texts):
        first = next(iter(reuse.vectors.values()))
        return _NothingToEncode(model_id(resolve_model_path(settings.dense.model)), int(first.shape[0]),
                                precision), reuse
    return load_passage_encoder(settings.dense, say=say), reuse  # heavy: model load (torch on first export)


def write_parts(staging: Path, documents: list[Document], chunks: list[Chunk], settings: IndexSettings,
                glossary: Glossary, say: Progress, reusable: Callable[[str], Reusable],
                sources: Mapping[str, str]) -> tuple[int, int, float]:
    """Every file of the index of `documents` cut into `chunks`, written into `staging`, the
    manifest last: BM25 over all chunks, vectors from `reusable(model_id)` where the text
    is unchanged, the encoder (torch) loaded only when some chunk is new. Returns (chunks,
    chunks embedded, seconds spent embedding)."""
    texts = [indexable_text(c) for c in chunks]
    say(f"BM25 over {len(chunks)} chunks")
    bm25 = BM25Index.build(Tokenizer(settings.tokenizer).tokenize_many(texts), settings.bm25)
    fault_point("bm25-built")
    encoder, reuse = _encoder_and_reuse(texts, settings, reusable, say)
    if isinstance(encoder, _NothingToEncode):
        say(f"embedding: nothing new, the vectors of all {len(texts)} chunks are reused ({encoder.model_id})")
    else:
        say(f"embedding with {encoder.model_id} at {encoder.precision}")
    vectors, embedded, embed_seconds = embed_chunks(texts, settings, reuse.vectors, encoder)
    dense = DenseIndex.build(vectors, settings.faiss)
    fault_point("embedded")
    write_records(staging, documents, chunks)
    (staging / GLOSSARY).write_text(glossary_tsv(glossary), encoding="utf-8")
    fault_point("records-written")
    bm25.save(staging / BM25_DIR)
    fault_point("bm25-written")
    dense.save(staging / DENSE_DIR)
    fault_point("dense-written")
    rate = measured_rate(embedded, embed_seconds)
    write_manifest(staging, _manifest(documents, chunks, settings, encoder, rate, glossary, sources))
    fault_point("manifest-written")
    return len(chunks), embedded, embed_seconds


def _manifest(
    documents: Sequence[Document],
    chunks: list[Chunk],
    settings: IndexSettings,
    encoder,
    seconds_per_chunk: float | None,
    glossary: Glossary,
    sources: Mapping[str, str],
) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "package_version": package_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": settings.to_dict(),
        "build_inputs": build_inputs(glossary),
        "model": {"name": settings.dense.model, "model_id": encoder.model_id, "dim": encoder.dim,
                  "precision": encoder.precision},
        "embedding": {"seconds_per_chunk": seconds_per_chunk},
        "corpus": {
            "sha256": corpus_sha256(documents),
            "documents": [{"doc_id": d.doc_id, "sha256": text_sha256(d.text),
                           **({"source": sources[d.doc_id]} if d.doc_id in sources else {})}
                          for d in documents],
        },
        "document_count": len(documents),
        "chunk_count": len(chunks),
    }
