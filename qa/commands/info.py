"""`qa info [DIR]`: what an index holds, how and when it was built, and its size.

Everything shown comes from the index itself (its manifest, documents and chunks, all
verified as `qa ask` would load them), so a user can tell months later which documents,
model and settings an answer came from before rebuilding or sharing the folder.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="show what an index holds: sources, counts, model, settings, size, build date",
        description="Load an index (no DIR: the bundled corpus's) and print its documents "
        "with their chunk counts, the embedding model, the build settings, its size on disk "
        "and when and by which version it was built.",
        epilog="examples:\n  qa info my-index\n  qa info --json my-index",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", nargs="?", type=Path, metavar="DIR",
                        help="index directory (default: the bundled corpus's index)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)


def describe(index) -> dict[str, Any]:
    """The index's description as plain data (the --json output)."""
    manifest = index.manifest
    kinds: dict[str, Counter] = {}
    for chunk in index.chunks:
        kinds.setdefault(chunk.doc_id, Counter())[chunk.kind] += 1
    from indexer.sources import recorded_sources

    root = Path(index.root)
    size = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
    origins = recorded_sources(manifest)
    return {
        "path": str(index.path),
        "built": manifest.get("created"),
        "package_version": manifest.get("package_version"),
        "format_version": manifest.get("format_version"),
        "documents": len(index.documents),
        "chunks": len(index.chunks),
        "chunk_kinds": dict(sorted(Counter(chunk.kind for chunk in index.chunks).items())),
        "model": {**(manifest.get("model") or {}), "precision": index.precision},
        "settings": manifest.get("settings"),
        "size_bytes": size,
        "sources": [
            {"doc": doc_id, "title": document.title, "characters": len(document.text),
             "chunks": sum(kinds.get(doc_id, Counter()).values()),
             "pages": len(getattr(document, "pages", ()) or ()),
             "read_from": origins.get(doc_id)}
            for doc_id, document in sorted(index.documents.items())
        ],
    }


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return str(count)


def _shown(value: Any) -> str:
    """A setting as one short value: a long list (the tokenizer's user terms) as its count."""
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"{len(value)} terms"
    return str(value)


def _settings_line(settings: dict[str, Any] | None) -> list[str]:
    if not isinstance(settings, dict):
        return []
    return [f"  {name}: " + ", ".join(f"{k}={_shown(v)}" for k, v in value.items()) if isinstance(value, dict)
            else f"  {name}: {_shown(value)}" for name, value in settings.items()]


def render_text(info: dict[str, Any]) -> str:
    from qa.safe_output import visible

    model = info["model"] or {}
    kinds = ", ".join(f"{kind} {count}" for kind, count in info["chunk_kinds"].items())
    lines = [
        f"index: {visible(info['path'])}",
        f"built: {info['built']} by document-qa {info['package_version']} (index format {info['format_version']})",
        f"documents: {info['documents']}   chunks: {info['chunks']} ({kinds})",
        f"model: {model.get('name')} ({model.get('dim')} dimensions, {model.get('precision')}; "
        f"{model.get('model_id')})",
        f"size on disk: {_size(info['size_bytes'])}",
        "settings:",
        *_settings_line(info["settings"]),
        "sources:",
    ]
    width = max((len(visible(s["doc"])) for s in info["sources"]), default=0)
    for source in info["sources"]:
        pages = f", {source['pages']} pages" if source["pages"] else ""
        lines.append(f"  {visible(source['doc']):<{width}}  {source['chunks']:>5} chunks  "
                     f"{source['characters']:>10,} characters{pages}")
    read_from = Counter(source["read_from"] for source in info["sources"] if source["read_from"])
    if read_from:  # what `qa index` compares to tell a rebuild of the same sources (indexer.sources)
        lines.append("read from:")
        lines += [f"  {visible(path)}  ({count} documents)" for path, count in sorted(read_from.items())]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import sys

    from indexer.cache import open_bundled_index
    from indexer.index import Index
    from qa.safe_output import json_line

    if args.dir is None:
        index = open_bundled_index(progress=lambda message: print(f"qa info: {message}", file=sys.stderr))
    else:
        index = Index.load(args.dir)
    info = describe(index)
    print(json_line(info) if args.json else render_text(info))
    return 0
