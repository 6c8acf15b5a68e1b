"""`qa chunks [PATH ...]`: show exactly what gets indexed (a summary, or every chunk as JSON)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from corpus.chunker import ChunkSettings, chunk_documents
from corpus.glossary import load_glossary
from corpus.loader import FOLLOW_LINKS_HELP, load_corpus
from corpus.types import CHUNK_KINDS
from qa.safe_output import json_line, visible


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = ChunkSettings()
    parser = subparsers.add_parser(
        "chunks",
        help="show the chunks a corpus is cut into",
        description="Load a corpus (no PATH: the bundled one), cut it into chunks and print "
        "a summary, or with --json one JSON object per chunk.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="documents (.txt .md .pdf .docx .html .csv .tsv .xlsx) or folders (searched recursively)")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per chunk: doc, start, end, text, kind, section, ...")
    parser.add_argument("--max-chars", type=int, default=defaults.max_chars,
                        help=f"longest prose chunk in characters (default {defaults.max_chars})")
    parser.add_argument("--overlap", type=int, default=defaults.overlap_sentences,
                        help="sentences repeated between neighbouring prose chunks "
                        f"(default {defaults.overlap_sentences})")
    parser.add_argument("--glossary", action="append", type=Path, default=[], metavar="FILE",
                        help="extra glossary file (zh<TAB>en<TAB>kind); may be repeated")
    parser.add_argument("--follow-links", action="store_true", help=FOLLOW_LINKS_HELP)
    parser.add_argument("--skip-bad", action="store_true",
                        help="show the files that can be read and list the others with why, "
                        "instead of stopping")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = ChunkSettings(max_chars=args.max_chars, overlap_sentences=args.overlap)
    corpus = load_corpus(args.paths or None, skip_bad=args.skip_bad, follow_links=args.follow_links)
    for problem in corpus.skipped:
        print(f"qa chunks: skipped {visible(problem)}", file=sys.stderr)
    for warning in corpus.warnings:
        print(f"qa chunks: warning: {visible(warning)}", file=sys.stderr)
    glossary = load_glossary(args.glossary)
    chunks = chunk_documents(corpus.documents, settings, glossary)
    out = sys.stdout
    if args.json:
        for chunk in chunks:
            row = {
                "doc": chunk.doc_id, "start": chunk.start, "end": chunk.end, "text": chunk.text,
                "kind": chunk.kind, "section": chunk.section,
                "table_caption": chunk.table_caption, "chunk_id": chunk.chunk_id,
            }
            out.write(json_line(row) + "\n")
        return 0
    kinds = Counter(chunk.kind for chunk in chunks)
    tables = sum(1 for chunk in chunks if chunk.kind == "table")
    facts = sum(len(chunk.facts) for chunk in chunks if chunk.kind == "table")
    out.write(f"documents: {len(corpus.documents)}")
    out.write(f" (ignored files of other formats: {len(corpus.ignored)})\n" if corpus.ignored else "\n")
    by_kind = ", ".join(f"{kind} {kinds[kind]}" for kind in CHUNK_KINDS)
    out.write(f"chunks: {len(chunks)} ({by_kind})\n")
    out.write(f"tables: {tables}\nfacts: {facts}\n")
    per_doc = Counter(chunk.doc_id for chunk in chunks)
    for document in corpus.documents:
        count = per_doc[document.doc_id]
        read_as = document.source_format + (f", {document.encoding}" if document.encoding else "")
        read_as += f", {len(document.pages)} pages" if document.pages else ""
        out.write(f"  {visible(document.doc_id)}: {count} chunks, {len(document.text)} chars"
                  f" ({read_as}) - {visible(document.title[:60])}\n")
    return 0
