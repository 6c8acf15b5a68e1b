"""`qa index`: build a searchable index of your documents (or warm the bundled one)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from corpus.loader import FOLLOW_LINKS_HELP
from qa.commands.helptext import paragraphs

# indexer.encoder.PRECISIONS / DEFAULT_PRECISION, kept import-free for a fast `qa --help`
# (a test checks they agree).
PRECISIONS = ("fp32", "int8")
DEFAULT_PRECISION = "fp32"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "index",
        help="build an index of documents (BM25 + embeddings) into a directory",
        description=paragraphs(
            "Read the documents under PATH (folders searched recursively for .txt, "
            ".md, .pdf, .docx, .html, .htm, .csv, .tsv and .xlsx; text in any encoding), chunk them and "
            "write a BM25 + dense index to --out. A bad file stops the build with every problem "
            "listed, unless --skip-bad. Rebuilding into an existing index re-embeds only new or "
            "changed chunks. With no PATH, builds (or checks) the bundled corpus's index in the "
            "user cache.",
            "An index records the file or folder each document was read from. Rebuilding it "
            "from the same sources is the normal update (edited, new and deleted files of those "
            "folders are taken in). A build that would drop documents read from other paths (or "
            "kept from an index that recorded none) is refused, naming them, unless --replace: "
            "use `qa add DIR PATH...` to add documents and `qa remove DIR DOC...` to remove some."),
        epilog="examples:\n  qa index my-reports/ --out my-index\n"
        "  qa index my-reports/ --out my-index            # again, after editing: re-embeds only what changed\n"
        "  qa add my-index extra.md                        # one more document\n"
        "  qa index other/ --out my-index --replace        # start over with other documents",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="documents or folders")
    parser.add_argument("--out", type=Path, help="index directory to write (required with PATH)")
    parser.add_argument("--replace", action="store_true",
                        help="replace an existing index at --out even if it holds documents from "
                        "other sources (which this build drops)")
    parser.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model: a local folder, or all-MiniLM-L6-v2 (default, bundled)",
    )
    parser.add_argument("--faiss", choices=("flat", "hnsw"), default=None, help="exact (flat, default) or HNSW search")
    parser.add_argument(
        "--precision", choices=PRECISIONS, default=None,
        help=f"embedding precision, recorded in the index; its questions are embedded at the same "
        "one. int8: per-channel int8 weights through ONNX Runtime, faster, vectors at a cosine of "
        f"~0.99 to fp32 (see the README's encoder table). Default: {DEFAULT_PRECISION}, chosen by "
        "measurement. A rebuild at another precision re-embeds every chunk",
    )
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
    parser.add_argument("--follow-links", action="store_true", help=FOLLOW_LINKS_HELP)
    parser.add_argument("--skip-bad", action="store_true",
                        help="index the files that can be read and list the others with why, "
                        "instead of stopping at the first load's problems")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="name the files of other formats that were ignored, not only count them")
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
    if args.precision is not None:
        settings = replace(settings, dense=replace(settings.dense, precision=args.precision))
    if args.max_chars is not None:
        settings = replace(settings, chunking=replace(settings.chunking, max_chars=args.max_chars))
    return settings


def _say(message: str) -> None:
    print(f"qa index: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from corpus.errors import QAError
    from corpus.loader import load_corpus
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
    corpus = load_corpus(args.paths, skip_bad=args.skip_bad, follow_links=args.follow_links)
    summarise(corpus, args.verbose)
    report = build_index(list(corpus.documents), args.out, settings, progress=_say, glossary=glossary,
                         sources=corpus.sources, replace=args.replace)
    saved = f" (saved about {report.saved_seconds:.1f} s)" if report.saved_seconds is not None else ""
    print(
        f"indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s: "
        f"embedded {report.embedded}, reused {report.reused}{saved} -> {report.path}"
    )
    return 0


def summarise(corpus, verbose: bool, say=_say) -> None:
    """What the load did not index, on stderr: skipped bad files with their reasons,
    partly read documents, and the ignored files (named with -v, else counted). Also
    used by `qa add` (with its own `say`)."""
    from qa.safe_output import visible

    if corpus.skipped:
        say(f"skipped {len(corpus.skipped)} bad file(s):")
        for problem in corpus.skipped:
            print(f"  {visible(problem)}", file=sys.stderr)
    for warning in corpus.warnings:
        say(f"warning: {visible(warning)}")
    if corpus.ignored and verbose:
        say(f"ignored {len(corpus.ignored)} file(s) of other formats:")
        for path in corpus.ignored:
            print(f"  {visible(str(path))}", file=sys.stderr)
    elif corpus.ignored:
        say(f"ignored {len(corpus.ignored)} file(s) of other formats (-v names them)")
