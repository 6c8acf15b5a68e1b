"""Where document-qa keeps what it can rebuild: the user cache directory (XDG).

`DOCUMENT_QA_CACHE` overrides it (the tests point it at a temporary folder); otherwise
`$XDG_CACHE_HOME/document-qa`, falling back to `~/.cache/document-qa`.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "DOCUMENT_QA_CACHE"


def cache_root() -> Path:
    """The cache directory, created on first use."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        root = Path(explicit)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg) if xdg else Path.home() / ".cache") / "document-qa"
    return _created(root)


def cache_dir(*parts: str) -> Path:
    """A named sub-folder of the cache (e.g. cache_dir("jieba")), created on first use."""
    return _created(cache_root().joinpath(*parts))


def _created(path: Path) -> Path:
    """`path`, made if missing; a folder that cannot be made says where and what to do."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        from corpus.errors import IndexStoreError
        from indexer.oserrors import describe

        raise IndexStoreError(
            describe(error, path, "cannot create the cache folder")
            + f" (or set {CACHE_ENV} to a folder you can write)"
        ) from error
    return path
