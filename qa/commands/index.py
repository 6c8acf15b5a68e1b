"""`qa index`: build a searchable index of your documents (or warm the bundled one)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "index",
        help="build an index of documents (BM25 + embeddings) into a directory",
        description="Chunk the documents under PATH (folders searched recursively for .txt "
        "and .md) and write a BM25 + dense index to --out. Rebuilding into an existing "
        "index re-embeds only new or changed chunks. With no PATH, builds (or checks) the "
        "bundled corpus's index in the user cache.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="documents or folders")
    parser.add_argument("--out", type=Path, help="index directory to write (required with PATH)")
    parser.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model: a local folder, or all-MiniLM-L6-v2 (default, bundled)",
    )
    parser.add_argument("--faiss", choices=("flat", "hnsw"), default=None, help="exact (flat, default) or HNSW search")
    parser.add_argument("--max-chars", type=int, default=None, help="prose chunk size in characters")
    parser.add_argument(
        "--glossary",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="extra bilingual glossary (zh<TAB>en<TAB>kind rows) added to the bundled one; "
        "kept in the index and used for its questions too (repeatable)",
    )
    parser.set_defaults(func=run)


def _settings(args: argparse.Namespace):
    from indexer.settings import IndexSettings

    settings = IndexSettings()
    if args.model is not None:
        model = Path(args.model)
        # a local folder is recorded absolute, so the index works from any directory
        args.model = str(model.resolve()) if model.is_dir() else args.model
        settings = replace(settings, dense=replace(settings.dense, model=args.model))
    if args.faiss is not None:
        settings = replace(settings, faiss=replace(settings.faiss, kind=args.faiss))
    if args.max_chars is not None:
        settings = replace(settings, chunking=replace(settings.chunking, max_chars=args.max_chars))
    return settings


def _say(message: str) -> None:
    print(f"qa index: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from corpus.errors import QAError
    from corpus.loader import load_documents
    from indexer.build import build_index
    from indexer.cache import open_bundled_index

    settings = _settings(args)
    if not args.paths:
        if args.glossary:
            raise QAError("--glossary is for your documents: qa index PATH ... --out DIR --glossary FILE")
        if args.out:
            raise QAError("--out needs the PATHs to index; with no PATH the bundled index goes to the cache")
        index = open_bundled_index(settings, progress=_say)
        print(f"bundled index: {len(index.documents)} documents, {len(index.chunks)} chunks at {index.path}")
        return 0
    if not args.out:
        raise QAError("say where to write the index: qa index PATH ... --out DIR")
    from corpus.glossary import load_glossary

    glossary = load_glossary(args.glossary) if args.glossary else None
    documents = load_documents(args.paths)
    report = build_index(documents, args.out, settings, progress=_say, glossary=glossary)
    print(
        f"indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s: "
        f"embedded {report.embedded}, reused {report.reused} "
        f"(saved about {report.saved_seconds:.1f} s) -> {report.path}"
    )
    return 0
