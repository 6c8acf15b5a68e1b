"""Where an index's documents came from, and what a rebuild of it would drop.

Each document's entry in the manifest (`corpus.documents`) records `source`: the file or
folder argument it was read from, as an absolute path with links resolved. That lets
`qa index PATH... --out DIR` tell the normal incremental rebuild of the same sources from a
build that would silently replace an index of other documents (issue 11: `qa index
extra.md --out my-index` replaced a 29-document index with a 1-document one).

"Same sources" means: the build drops no document that came from a path it was not given.
A document the new build still holds (same doc_id) is updated, never dropped; a document
whose recorded source is one of the new PATHs but that is no longer there (deleted from
its folder) is dropped, as a rebuild of that folder should. A document with no recorded
source (indexes built before sources were recorded, or through the Python API without
`sources`) counts as from another source when the new build lacks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from corpus.errors import IndexStoreError
from corpus.types import Document

SHOWN = 5  # document names a refusal shows before "and N more"


class OtherSourcesError(IndexStoreError):
    """A build would replace an index holding documents from sources it was not given."""


def source_path(path: Path | str) -> str:
    """How a source is recorded and compared: absolute, links resolved."""
    return str(Path(path).expanduser().resolve())


def recorded_sources(manifest: dict[str, Any]) -> dict[str, str | None]:
    """doc_id -> the recorded source (None where the index recorded none)."""
    rows = manifest.get("corpus", {}).get("documents", [])
    return {row["doc_id"]: row.get("source") if isinstance(row.get("source"), str) else None for row in rows}


def shown_names(names: Sequence[str], limit: int = SHOWN) -> str:
    """A few names of a long list for a message ("'a.md', 'b.md' and 4 more"); quoted
    with repr, so a control character in a file name is shown escaped, never sent."""
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def would_drop(manifest: dict[str, Any], documents: Sequence[Document],
               sources: Mapping[str, Path | str] | None) -> list[tuple[str, str | None]]:
    """(doc_id, source) of the documents of the index described by `manifest` that a build
    of `documents` (read from `sources`: doc_id -> path) would drop although they did not
    come from any of those paths."""
    keep = {d.doc_id for d in documents}
    given = {source_path(p) for p in (sources or {}).values()}
    return [(doc_id, source) for doc_id, source in sorted(recorded_sources(manifest).items())
            if doc_id not in keep and (source is None or source not in given)]


def check_rebuild(target: Path, documents: Sequence[Document], sources: Mapping[str, Path | str] | None) -> None:
    """Refuse (`OtherSourcesError`) a build of `documents` into the index at `target` that
    would drop documents from other sources, saying which and what to run instead. An
    absent, empty or unreadable folder has nothing to lose that a rebuild could keep, so
    it passes (a damaged index is rebuilt, as its refusals say to)."""
    from indexer.store import read_manifest

    if not Path(target).is_dir():
        return
    try:
        manifest = read_manifest(target)
    except IndexStoreError:
        return
    dropped = would_drop(manifest, documents, sources)
    if not dropped:
        return
    total = len(recorded_sources(manifest))
    origins = sorted({source for _, source in dropped if source})
    origin = (f" (from {shown_names(origins, 3)})" if origins else "")
    raise OtherSourcesError(
        f"the index at {target} holds documents from other sources: this build would drop {len(dropped)} of its "
        f"{total} documents{origin}, which are not under the PATHs given: "
        f"{shown_names([doc_id for doc_id, _ in dropped])}. To add documents to it: qa add {target} PATH...; "
        f"to remove some: qa remove {target} DOC...; to replace it with only these PATHs: the same command "
        "with --replace (or choose another --out)"
    )
