"""`qa add DIR PATH...`: add documents to an existing index, in place.

Thin: reads the documents as `qa index` does and hands them to
`indexer.update.add_documents`, which keeps the index's own settings and glossary,
embeds only the new chunks and swaps the result in atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corpus.loader import FOLLOW_LINKS_HELP
from qa.commands.helptext import paragraphs


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "add",
        help="add documents to an existing index (only their chunks are embedded)",
        description=paragraphs(
            "Read the documents under PATH (files, or folders searched recursively, as "
            "qa index reads them) and add them to the index DIR in place. The index keeps the model, "
            "chunking, faiss kind and glossary it was built with; only the new chunks are embedded "
            "and BM25's statistics are rebuilt over all chunks. A document the index already holds "
            "(same id: its path relative to the folder given, or its file name) is replaced when its "
            "text changed and left alone when not. The update is atomic: if it is interrupted, DIR "
            "stays as it was."),
        epilog="examples:\n  qa add my-index extra.md\n  qa add my-index more-reports/\n"
        "  qa info my-index          # see what it holds now",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="the index to change (built by qa index)")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="documents or folders to add")
    parser.add_argument("--follow-links", action="store_true", help=FOLLOW_LINKS_HELP)
    parser.add_argument("--skip-bad", action="store_true",
                        help="add the files that can be read and list the others with why")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="name the files of other formats that were ignored, not only count them")
    parser.set_defaults(func=run)


def say(message: str) -> None:
    print(f"qa add: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from corpus.loader import load_corpus
    from indexer.update import add_documents
    from qa.commands.index import summarise
    from qa.safe_output import visible

    corpus = load_corpus(args.paths, skip_bad=args.skip_bad, follow_links=args.follow_links)
    summarise(corpus, args.verbose, say)
    report = add_documents(args.dir, list(corpus.documents), corpus.sources, progress=say)
    for doc_id in report.unchanged:
        say(f"{visible(doc_id)} is already in the index with the same text: left as it is")
    for doc_id in report.replaced:
        say(f"{visible(doc_id)} was already in the index with other text: replaced")
    if not report.written:
        print(f"nothing to add: the index already holds the {len(report.unchanged)} given with the same text "
              f"({report.documents} documents, {report.chunks} chunks) -> {report.path}")
        return 0
    print(f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)} "
          f"documents in {report.seconds:.1f} s: embedded {report.embedded}, reused {report.reused}; "
          f"now {report.documents} documents, {report.chunks} chunks -> {report.path}")
    return 0
