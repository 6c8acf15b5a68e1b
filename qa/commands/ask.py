"""`qa ask`: answer questions with cited passages and figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import BinaryIO, Iterator

EXIT_SOME_LINES_FAILED = 1
EXIT_BAD_INPUT = 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="answer a question from the documents, with citations",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Answer a question (English or Chinese) from the bundled corpus or from "
        "an index you built with `qa index`. Shows the best figure first, then the cited "
        "passages. With no QUESTION, reads questions from stdin, one per line, and answers "
        "each (with --json: one JSON object per line, in order; a bad line gets an "
        "{\"question\", \"error\"} object and the exit code is 1).",
        epilog="examples:\n"
        "  qa ask \"What was Guangzhou's GDP in 2016?\"\n"
        "  qa ask --json \"香港的人均GDP是多少?\"\n"
        "  qa ask --index my-index --doc 'annual-2019.md' \"What was revenue in 2019?\"\n"
        "  printf 'q1\\nq2\\n' | qa ask --json --mode bm25",
    )
    parser.add_argument("question", nargs="?", help="the question; omit to read questions from stdin")
    parser.add_argument("--json", action="store_true", help="print the JSON contract (one object per question)")
    parser.add_argument(
        "--mode",
        default="hybrid",
        choices=("hybrid", "bm25", "dense", "hybrid-rrf", "hybrid-convex"),
        help="retrieval mode (default: hybrid; bm25 never loads the embedding model)",
    )
    parser.add_argument("--top-k", type=int, default=5, help="passages to show (default 5)")
    parser.add_argument("--index", type=Path, default=None, help="index directory (default: the bundled corpus)")
    parser.add_argument(
        "--doc", action="append", default=None, metavar="GLOB",
        help="search only these documents: a document id as `qa chunks` shows it, or a glob "
        "(\"reports/2019-*.md\"); repeat for several",
    )
    parser.add_argument(
        "--min-similarity", type=float, default=None, metavar="S",
        help="the cosine similarity (question vs best passage) below which the answer is "
        "'not in the documents' (default 0.25, chosen on the dev split; -1 to 1)",
    )
    parser.add_argument(
        "--alpha", type=float, default=None, metavar="A",
        help="hybrid mode's weight of the embedding scores against BM25's (default 0.5; 0 is "
        "BM25 only, 1 embeddings only)",
    )
    parser.set_defaults(func=run)


def _say(message: str) -> None:
    print(f"qa ask: {message}", file=sys.stderr)


def _print_answer(assistant, question: str, args: argparse.Namespace, batch: bool = False) -> None:
    from qa.render import answer_json, answer_text
    from qa.safe_output import json_line, visible

    answer = assistant.ask(question, top_k=args.top_k, mode=args.mode, doc=args.doc)
    if args.json:
        data = answer_json(answer, assistant.index.documents)
        data["settings"] = {"mode": args.mode, "top_k": args.top_k, "doc": args.doc,
                            "min_similarity": assistant.settings.min_similarity,
                            "alpha": assistant.settings.fusion.alpha}
        print(json_line(data), flush=True)
    else:
        # in a batch, each answer says which question it answers
        heading = f"Q: {visible(question)}\n" if batch else ""
        print(heading + answer_text(answer, assistant.index.documents, color=sys.stdout.isatty()), flush=True)


PROBE_LINES = 1  # stdin's first line decides whether it is text at all (more would wait for them)
MAX_LINE_BYTES = 1 << 20  # a longer line is refused unread (memory stays bounded on a stream)


def stdin_questions(stream: BinaryIO) -> Iterator[tuple[str | None, str | None]]:
    """Lines of stdin as (question, error) pairs, read as they arrive, so a stream is
    answered line by line in bounded memory. The first line decides whether stdin is text
    at all (binary data or not UTF-8 is refused before any answer); after that, a bad line
    is an error for that line only."""
    from corpus.errors import QuestionError

    probe = []
    for _ in range(PROBE_LINES):
        line = _read_line(stream)
        if line is None:
            break
        probe.append(line)
    if any(b"\x00" in raw for raw, _ in probe):
        raise QuestionError("stdin holds binary data (NUL bytes), not questions; pipe one question per line")
    if probe:
        probe[0] = (probe[0][0].removeprefix(b"\xef\xbb\xbf"), probe[0][1])  # a byte-order mark is no question
    decoded = [_decode(raw, too_long) for raw, too_long in probe]
    if decoded and sum(error is not None for _, error in decoded) * 2 > len(decoded):
        raise QuestionError("stdin is not UTF-8 text; pipe one question per line")
    yield from decoded
    while (line := _read_line(stream)) is not None:
        yield _decode(*line)


def _read_line(stream: BinaryIO) -> tuple[bytes, bool] | None:
    """The next line without its end, and whether it was cut at MAX_LINE_BYTES (the rest
    of a cut line is read and dropped); None at the end of input."""
    raw = stream.readline(MAX_LINE_BYTES + 1)
    if not raw:
        return None
    too_long = len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n")
    while too_long and (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
        pass
    return raw.rstrip(b"\r\n") if not too_long else b"", too_long


def _decode(raw: bytes, too_long: bool) -> tuple[str | None, str | None]:
    if too_long:
        return None, f"this line is longer than {MAX_LINE_BYTES} bytes"
    if b"\x00" in raw:
        return None, "this line holds binary data (NUL bytes)"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "this line is not UTF-8 text"


def _run_batch(assistant, args: argparse.Namespace) -> int:
    from corpus.errors import QuestionError
    from qa.safe_output import json_line, visible

    failed = 0
    for question, error in stdin_questions(sys.stdin.buffer):
        try:
            if error:
                raise QuestionError(error)
            _print_answer(assistant, question, args, batch=True)
        except QuestionError as problem:
            failed += 1
            if args.json:
                print(json_line({"question": question, "error": str(problem)}), flush=True)
            else:
                print(f"error: {visible(str(problem))}", flush=True)
            _say(f"line skipped: {problem}")
    return EXIT_SOME_LINES_FAILED if failed else 0


def _settings(args: argparse.Namespace):
    """The QA settings with this call's --min-similarity and --alpha (validated there)."""
    from dataclasses import replace

    from qa.settings import QASettings

    from corpus.errors import QAError

    if args.min_similarity is not None and not -1.0 <= args.min_similarity <= 1.0:
        raise QAError(f"--min-similarity must be a number from -1 to 1 (a cosine similarity); got {args.min_similarity}")
    if args.alpha is not None and not 0.0 <= args.alpha <= 1.0:
        raise QAError(f"--alpha must be a number from 0 (BM25 only) to 1 (embeddings only); got {args.alpha}")
    settings = QASettings()
    if args.min_similarity is not None:
        settings = replace(settings, min_similarity=args.min_similarity)
    if args.alpha is not None:
        settings = replace(settings, fusion=replace(settings.fusion, alpha=args.alpha))
    return settings


def run(args: argparse.Namespace) -> int:
    from corpus.errors import QAError
    from qa.assistant import MAX_TOP_K, Assistant, check_question
    from qa.settings import QASettings

    if not 1 <= args.top_k <= MAX_TOP_K:
        raise QAError(f"--top-k must be from 1 to {MAX_TOP_K}; got {args.top_k}")
    if args.question is None and sys.stdin.isatty():
        raise QAError("give a question, e.g. qa ask \"What was Guangzhou's GDP in 2016?\", or pipe questions on stdin")
    settings = _settings(args)  # a bad --min-similarity or --alpha fails before loading anything
    if args.question is not None:
        check_question(args.question, settings.max_question_chars)
    assistant = Assistant.load(args.index, settings=_settings(args), progress=_say)
    if args.doc:
        assistant.index.matching_documents(args.doc)  # a filter that matches nothing fails before any question
    if args.question is not None:
        _print_answer(assistant, args.question, args)
        return 0
    return _run_batch(assistant, args)
