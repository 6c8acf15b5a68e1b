"""`qa remove DIR DOC...`: remove documents from an existing index, in place.

Thin: `indexer.update.remove_documents` matches the names, rebuilds BM25 over the chunks
left (every vector is kept, nothing is embedded) and swaps the result in atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qa.commands.helptext import paragraphs


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "remove",
        help="remove documents from an existing index",
        description=paragraphs(
            "Remove the documents named by DOC from the index DIR in place. DOC is a "
            "document id as qa info and qa chunks show it (its path relative to the folder it was "
            "read from) or a shell glob over them (quote it, so the shell does not expand it). "
            "Nothing is embedded; BM25's statistics are rebuilt over the chunks left. A DOC that "
            "matches nothing is refused with the documents the index holds, and so is removing "
            "every document. The update is atomic: if it is interrupted, DIR stays as it was."),
        epilog="examples:\n  qa remove my-index extra.md\n  qa remove my-index 'drafts/*'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="the index to change (built by qa index)")
    parser.add_argument("docs", nargs="+", metavar="DOC", help="document id or glob")
    parser.set_defaults(func=run)


def say(message: str) -> None:
    print(f"qa remove: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from indexer.update import remove_documents
    from qa.safe_output import visible

    report = remove_documents(args.dir, args.docs, progress=say)
    names = ", ".join(visible(doc_id) for doc_id in report.removed[:5])
    more = f" and {len(report.removed) - 5} more" if len(report.removed) > 5 else ""
    count = len(report.removed)
    print(f"removed {count} document{'' if count == 1 else 's'} ({names}{more}) in {report.seconds:.1f} s: "
          f"now {report.documents} documents, {report.chunks} chunks -> {report.path}")
    return 0
