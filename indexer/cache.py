"""The bundled corpus's index, built on first use into the user cache and reused after.

The cache key is the corpus hash plus the settings fingerprint, so editing a document or
changing a setting builds a new index (reusing the unchanged chunks' vectors from the
previous one) and anything else opens the existing one in well under a second.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

from corpus.errors import QAError
from corpus.types import Document
from indexer.build import Progress, build_index
from indexer.index import Index
from indexer.paths import cache_dir
from indexer.settings import IndexSettings
from indexer.store import corpus_sha256


def cached_index_path(documents: Sequence[Document], settings: IndexSettings, name: str) -> Path:
    key = f"{corpus_sha256(documents)[:12]}-{settings.fingerprint()}"
    return cache_dir("indexes") / f"{name}-{key}"


def _previous_indexes(name: str, keep: Path) -> list[Path]:
    """Other cached indexes of the same corpus name, newest first (candidates for vector
    reuse: the build takes vectors only from one made with the same model)."""
    siblings = [p for p in keep.parent.glob(f"{name}-*") if p != keep and p.is_dir()]
    return sorted(siblings, key=lambda p: p.stat().st_mtime, reverse=True)


def _same_settings(path: Path, keep: Path) -> bool:
    """An older corpus version built with the same settings: replaced, so stale. Indexes
    of other settings stay, so two configurations in use do not rebuild each other."""
    return path.name.rsplit("-", 1)[-1] == keep.name.rsplit("-", 1)[-1]


def open_cached_index(
    documents: Sequence[Document],
    settings: IndexSettings | None = None,
    name: str = "bundled",
    progress: Progress | None = None,
) -> Index:
    """Open the cached index of `documents`, building it first when it is missing or unreadable."""
    settings = settings or IndexSettings()
    path = cached_index_path(documents, settings, name)
    if path.exists():
        try:
            return Index.load(path).verify()
        except QAError:
            pass  # a damaged cache entry is rebuilt below, never trusted
    previous = _previous_indexes(name, path)
    build_index(documents, path, settings, reuse_from=previous[0] if previous else None, progress=progress)
    for stale in previous:
        if _same_settings(stale, path):
            shutil.rmtree(stale, ignore_errors=True)
    return Index.load(path)


def open_bundled_index(settings: IndexSettings | None = None, progress: Progress | None = None) -> Index:
    """The index of the bundled corpus (corpus/documents/)."""
    from corpus.loader import load_documents

    return open_cached_index(load_documents(None), settings, "bundled", progress)
