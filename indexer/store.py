"""The index directory on disk: write it atomically, read it back only if it checks out.

Layout (row i is the same chunk in every file):

    manifest.json     format version, package version, settings, model, corpus sha256, counts
    documents.jsonl   the source documents (doc_id, title, text), so citations resolve
                      without the original files
    chunks.jsonl      one chunk per line (corpus.types.Chunk.to_dict)
    glossary.tsv      the bilingual glossary the table rows were rendered with
    bm25/             the BM25 statistics (bm25s files: .npy and JSON, no pickle)
    dense/            embeddings.npy (+ the faiss HNSW file when that kind is chosen)

A build writes everything into a temporary sibling directory and renames it into place,
so an interrupted build leaves the previous index as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from corpus.errors import IndexStoreError
from corpus.types import Chunk, Document

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
BM25_DIR = "bm25"
DENSE_DIR = "dense"
GLOSSARY = "glossary.tsv"  # the glossary the chunks were rendered with (indexes since 0.1)
REQUIRED = (MANIFEST, DOCUMENTS, CHUNKS, BM25_DIR, DENSE_DIR)


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
    return (
        f"rebuild it with `qa index PATH ... --out {path}` "
        "(or delete it; the bundled corpus's index is rebuilt by itself on next use)"
    )


@dataclass(frozen=True)
class StagedIndex:
    """A temporary directory being filled; `commit` renames it into place."""

    staging: Path
    target: Path

    def commit(self) -> None:
        """Swap the staged directory in. The old index, if any, is removed only after."""
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            os.replace(self.target, old)
        os.replace(self.staging, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abandon(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def stage_index(target: Path) -> StagedIndex:
    """Make a temporary sibling of `target` to write into.

    Refuses to replace a directory that holds anything but a document-qa index, so a
    mistyped `--out` never deletes a user's folder.
    """
    target = Path(target)
    if target.exists():
        if not target.is_dir():
            raise IndexStoreError(f"{target} exists and is not a directory; choose another --out")
        if any(target.iterdir()) and not looks_like_index(target):
            raise IndexStoreError(
                f"{target} is not empty and is not a document-qa index; "
                "refusing to replace it (choose an empty or new --out directory)"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes 0700; an index is an ordinary folder
    return StagedIndex(staging=staging, target=target)


def looks_like_index(path: Path) -> bool:
    """True only for a directory holding only what a document-qa index holds, with a
    manifest that says so: the test before an existing directory may be replaced."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(manifest, dict) or "format_version" not in manifest or "chunk_count" not in manifest:
        return False
    return {entry.name for entry in path.iterdir()} <= {*REQUIRED, GLOSSARY}


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_records(directory: Path, documents: list[Document], chunks: list[Chunk]) -> None:
    write_jsonl(directory / DOCUMENTS, ({"doc_id": d.doc_id, "title": d.title, "text": d.text} for d in documents))
    write_jsonl(directory / CHUNKS, (c.to_dict() for c in chunks))


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    with open(directory / MANIFEST, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the index at `path`, after checking the directory is whole."""
    path = Path(path)
    if not path.exists():
        raise IndexStoreError(f"no index at {path}; build one with `qa index PATH ... --out {path}`")
    if not path.is_dir():
        raise IndexStoreError(f"{path} is a file, not an index directory")
    if not (path / MANIFEST).is_file():
        raise IndexStoreError(f"{path} is not a document-qa index (no {MANIFEST}); {rebuild_hint(path)}")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexStoreError(f"{path / MANIFEST} is unreadable ({error}); {rebuild_hint(path)}") from error
    if not isinstance(manifest, dict):
        raise IndexStoreError(f"{path / MANIFEST} is not a JSON object; {rebuild_hint(path)}")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexStoreError(
            f"{path} has index format version {version!r}, this qa reads version "
            f"{FORMAT_VERSION}; {rebuild_hint(path)}"
        )
    missing = [name for name in REQUIRED if not (path / name).exists()]
    if missing:
        raise IndexStoreError(f"{path} is partial: {', '.join(missing)} missing; {rebuild_hint(path)}")
    return manifest


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexStoreError(f"{path} is corrupted ({error}); {rebuild_hint(path.parent)}") from error


def read_records(path: Path, manifest: dict[str, Any]) -> tuple[list[Document], list[Chunk]]:
    """Documents and chunks of an index, checked against the manifest's counts."""
    try:
        documents = [Document(**row) for row in _read_jsonl(path / DOCUMENTS)]
        chunks = [Chunk.from_dict(row) for row in _read_jsonl(path / CHUNKS)]
    except TypeError as error:
        raise IndexStoreError(f"{path} has malformed records ({error}); {rebuild_hint(path)}") from error
    if len(chunks) != manifest.get("chunk_count"):
        raise IndexStoreError(
            f"{path / CHUNKS} has {len(chunks)} chunks, the manifest says "
            f"{manifest.get('chunk_count')}; {rebuild_hint(path)}"
        )
    if len(documents) != manifest.get("document_count"):
        raise IndexStoreError(
            f"{path / DOCUMENTS} has {len(documents)} documents, the manifest says "
            f"{manifest.get('document_count')}; {rebuild_hint(path)}"
        )
    return documents, chunks
