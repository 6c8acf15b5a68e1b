"""The index directory on disk: write it atomically, read it back only if it checks out.

Layout (row i is the same chunk in every file):

    manifest.json     format version, package version, settings, model, corpus sha256, counts,
                      each document's sha256 and source (`indexer.sources`)
    documents.jsonl   the source documents (doc_id, title, text), so citations resolve
                      without the original files
    chunks.jsonl      one chunk per line (corpus.types.Chunk.to_dict)
    glossary.tsv      the bilingual glossary the table rows were rendered with
    bm25/             the BM25 statistics (bm25s files: .npy and JSON, no pickle)
    dense/            embeddings.npy (+ the faiss HNSW file when that kind is chosen)

The manifest records every other file's size and sha256 (`files`); loading verifies them
and the records' structure (`indexer.verify`) before anything is used. A build writes into
a temporary sibling folder and swaps it into place (`indexer.commit`), so an interrupted
build leaves the previous index as it was.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from corpus.errors import IndexStoreError
from corpus.types import Chunk, Document
from indexer import verify
from indexer.oserrors import os_error

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
BM25_DIR = "bm25"
DENSE_DIR = "dense"
GLOSSARY = "glossary.tsv"  # the glossary the chunks were rendered with (indexes since 0.1)
REQUIRED = (MANIFEST, DOCUMENTS, CHUNKS, BM25_DIR, DENSE_DIR)
INDEX_FILES = (*REQUIRED, GLOSSARY)  # everything a build writes at the top of the folder
PART_FILES = {  # and in its part folders (bm25s's file names, then ours)
    BM25_DIR: ("data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy",
               "vocab.index.json", "params.index.json", "bm25_settings.json"),
    DENSE_DIR: ("embeddings.npy", "dense.hnsw.faiss"),
}


def package_version() -> str:
    try:
        return metadata.version("document-qa")
    except metadata.PackageNotFoundError:
        return "unknown"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def corpus_sha256(documents: Iterable[Document]) -> str:
    """One hash for a whole corpus: its doc ids and texts, in doc id order."""
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_id):
        digest.update(doc.doc_id.encode("utf-8") + b"\0" + text_sha256(doc.text).encode() + b"\n")
    return digest.hexdigest()


def rebuild_hint(path: Path) -> str:
    """The fix every refusal of a damaged index ends with."""
    return verify.hint(path)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as error:
        raise os_error(error, path, "cannot write") from error


def _document_row(document: Document) -> dict[str, Any]:
    row = asdict(document)  # every field, so fields added to Document are kept
    return {key: list(value) if isinstance(value, tuple) else value for key, value in row.items()}


def _document_of(row: dict[str, Any]) -> Document:
    from_dict = getattr(Document, "from_dict", None)
    return from_dict(row) if from_dict else Document(**row)


def write_records(directory: Path, documents: list[Document], chunks: list[Chunk]) -> None:
    write_jsonl(directory / DOCUMENTS, (_document_row(d) for d in documents))
    write_jsonl(directory / CHUNKS, (c.to_dict() for c in chunks))


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest last, with the size and sha256 of every file written before it."""
    manifest = {**manifest, verify.FILES_KEY: verify.digest_tree(directory)}
    try:
        with open(directory / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
    except OSError as error:
        raise os_error(error, directory / MANIFEST, "cannot write") from error


def read_manifest(path: Path, root: Path | None = None) -> dict[str, Any]:
    """The manifest of the index at `path` (read from `root`, the pinned folder, when given),
    after checking the folder is whole and the manifest's fields are what later steps need."""
    path = Path(path)
    root = Path(root) if root is not None else path
    if not path.exists():
        raise IndexStoreError(f"no index at {path}; build one with `qa index PATH ... --out {path}`")
    if not path.is_dir():
        raise IndexStoreError(f"{path} is a file, not an index directory")
    if not (root / MANIFEST).is_file():
        raise IndexStoreError(f"{path} is not a document-qa index (no {MANIFEST}); {rebuild_hint(path)}")
    try:
        manifest = verify.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise IndexStoreError(f"{path / MANIFEST} is unreadable ({error}); {rebuild_hint(path)}") from error
    if not isinstance(manifest, dict):
        raise IndexStoreError(f"{path / MANIFEST} is not a JSON object; {rebuild_hint(path)}")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise IndexStoreError(
            f"{path} has index format version {version!r}, this qa reads version "
            f"{FORMAT_VERSION}; {rebuild_hint(path)}"
        )
    missing = [name for name in REQUIRED if not (root / name).exists()]
    if missing:
        raise IndexStoreError(f"{path} is partial: {', '.join(missing)} missing; {rebuild_hint(path)}")
    verify.check_manifest(manifest, path)
    return manifest


def read_records(
    path: Path, manifest: dict[str, Any], root: Path | None = None, checksums: bool = True
) -> tuple[list[Document], list[Chunk]]:
    """Documents and chunks of an index, verified: the files' checksums (unless
    `checksums` is False, for reusing vectors of an index from before checksums), strict
    JSON rows, the manifest's counts, each document's sha256, chunk ids and offsets."""
    path = Path(path)
    root = Path(root) if root is not None else path
    if checksums:
        verify.check_files(root, path, manifest, None)
    if GLOSSARY in manifest.get(verify.FILES_KEY, {}):
        verify.check_glossary(root / GLOSSARY, path / GLOSSARY, manifest, path)
    document_rows = verify.read_jsonl(root / DOCUMENTS, path / DOCUMENTS, path)
    chunk_rows = verify.read_jsonl(root / CHUNKS, path / CHUNKS, path)
    if len(chunk_rows) != manifest.get("chunk_count"):
        raise IndexStoreError(
            f"{path / CHUNKS} has {len(chunk_rows)} chunks, the manifest says "
            f"{manifest.get('chunk_count')}; {rebuild_hint(path)}"
        )
    if len(document_rows) != manifest.get("document_count"):
        raise IndexStoreError(
            f"{path / DOCUMENTS} has {len(document_rows)} documents, the manifest says "
            f"{manifest.get('document_count')}; {rebuild_hint(path)}"
        )
    verify.check_documents(document_rows, manifest, path / DOCUMENTS, path)
    documents_path, chunks_path = path / DOCUMENTS, path / CHUNKS  # once, not per row
    documents = [_parse(_document_of, row, number, documents_path, path) for number, row in
                 enumerate(document_rows, start=1)]
    chunks = [_parse(Chunk.from_dict, row, number, chunks_path, path) for number, row in
              enumerate(chunk_rows, start=1)]
    verify.check_chunks(chunks, {d.doc_id: d for d in documents}, path / CHUNKS, path)
    return documents, chunks


def _parse(make, row: dict[str, Any], number: int, shown_path: Path, shown: Path):
    try:
        return make(row)
    except (TypeError, KeyError, ValueError, AttributeError) as error:
        raise verify.refuse(shown_path, f"line {number} is malformed ({type(error).__name__}: "
                            f"{str(error)[:120]})", shown) from error
