"""The bundled corpus's index, built on first use into the user cache and reused after.

The cache key is the corpus hash plus the settings fingerprint, so editing a document or
changing a setting builds a new index (reusing the unchanged chunks' vectors from the
previous one) and anything else opens the existing one in well under a second. An entry
that fails any check (`Index.verify`: every file's checksum and structure) is deleted and
rebuilt, never trusted; two processes that need the same entry build it once (the second
waits for the first's lock, then opens what it built).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from corpus.errors import QAError
from corpus.types import Document
from indexer.build import Progress, build_locked
from indexer.commit import discard
from indexer.index import Index
from indexer.lock import WriterLock
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
    index = _trusted(path)
    if index is not None:
        return index
    with WriterLock(path, wait=True):
        index = _trusted(path)  # another process may have built it while we waited
        if index is not None:
            return index
        aside = None
        if os.path.lexists(path):  # damaged: set aside (the cache is ours); its verified vectors are reused
            aside = path.with_name(f".{path.name}.damaged-{os.getpid()}")  # not a build leftover: kept for reuse
            os.replace(path, aside)
        previous = _previous_indexes(name, path)
        reuse = aside if aside is not None else (previous[0] if previous else None)
        try:
            build_locked(documents, path, settings, reuse_from=reuse, progress=progress)
        finally:
            for damaged in path.parent.glob(f".{path.name}.damaged-*"):  # this one, and any a crash left
                discard(damaged)  # unless a reader still holds it
    for stale in previous:
        if _same_settings(stale, path):
            discard(stale)  # unless a reader still uses it
    return Index.load(path).verify()


def _trusted(path: Path) -> Index | None:
    """The cached index at `path` if it passes every check, else None."""
    if not path.exists():
        return None
    try:
        return Index.load(path).verify()
    except QAError:
        return None  # a damaged cache entry is rebuilt, never trusted


def open_bundled_index(settings: IndexSettings | None = None, progress: Progress | None = None) -> Index:
    """The index of the bundled corpus (corpus/documents/)."""
    from corpus.loader import load_documents

    return open_cached_index(load_documents(None), settings, "bundled", progress)
