"""`qa eval [SET ...]`: score question sets in each retrieval mode, side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_SET = "eval/questions.jsonl"
DEFAULT_OUT = "eval/reports"
MODES = ("bm25", "dense", "hybrid-rrf", "hybrid-convex")  # eval.run_questions.MODES, kept import-free
ALL_MODES = ("bm25", "dense", "hybrid", "hybrid-rrf", "hybrid-convex")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval", help="score a question set: retrieval, figures, answerability, latency",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Ask every question of each SET (JSON Lines in the format of docs/design.md) "
        "in each retrieval mode and report Recall@1/5/10, MRR@10, nDCG@10, figure "
        "accuracy@1, answerable accuracy and latency p50/p95, overall, per split and per "
        "tag, with the failing questions of each mode. Writes <out>/<set>.md, .json and .png.",
        epilog="examples:\n"
        "  qa eval\n"
        "  qa eval my-questions.jsonl --index my-index --modes bm25 hybrid\n"
        "  qa eval --split dev --modes hybrid-rrf hybrid-convex",
    )
    parser.add_argument("sets", nargs="*", metavar="SET", default=[DEFAULT_SET],
                        help=f"question set files (default {DEFAULT_SET})")
    parser.add_argument("--modes", nargs="+", choices=ALL_MODES, default=list(MODES),
                        help=f"retrieval modes (default: {' '.join(MODES)})")
    parser.add_argument("--split", choices=("dev", "test", "fresh", "all"), default="all",
                        help="only the questions of this split (default all: every question but the "
                        "held-out fresh split, which runs only when named; dev/test/fresh write <set>-<split>.*)")
    parser.add_argument("--index", type=Path, default=None, help="index directory (default: the bundled corpus)")
    parser.add_argument("--ablate", nargs="+", metavar="FEATURE", default=None,
                        help="what each figure-scorer feature is worth: evaluate once with every "
                        "feature, then once without each FEATURE named ('all': each in turn), and "
                        "print the differences (writes no report)")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"report folder (default {DEFAULT_OUT})")
    parser.set_defaults(func=run)


def _say(message: str) -> None:
    print(f"qa eval: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from corpus.errors import SettingsError
    from eval.questions import load_questions, select_split
    from eval.report import markdown_table
    from eval.run_questions import HEADERS, evaluate, groups, summary_row, write_report
    from qa.assistant import Assistant

    if len(set(args.modes)) != len(args.modes):
        raise SettingsError(f"--modes lists a mode twice: {' '.join(args.modes)}")
    # Read and check every set before the index and model load, so a typo fails at once.
    chosen = [select_split(_load_set(load_questions, path), args.split) for path in args.sets]
    assistant = Assistant.load(args.index, progress=_say)
    if args.ablate:
        return _ablate(assistant, chosen, args)
    for questions in chosen:
        _say(f"{questions[0].source}: {len(questions)} questions x {len(args.modes)} modes")
        result = evaluate(questions, assistant, tuple(args.modes), split=args.split, progress=_say)
        summaries = groups(result)
        print(f"{result.set_path} ({result.questions} questions, split {args.split})")
        rows = [[name, mode, *summary_row(s)] for name, by_mode in summaries.items()
                if not name.startswith("tag:") for mode, s in by_mode.items()]
        print(markdown_table(["group", "mode", *HEADERS], rows), end="")
        for path in write_report(result, args.out):
            print(f"wrote {path}")
    return 0


def _ablate(assistant, chosen, args: argparse.Namespace) -> int:
    """Each feature switched off in turn: figure accuracy@1 and answerable accuracy
    against the full scorer, per mode, over all the chosen questions."""
    from eval.report import markdown_table
    from eval.run_questions import evaluate, groups
    from qa.features import FEATURE_NAMES

    names = list(FEATURE_NAMES) if args.ablate == ["all"] else args.ablate
    full = assistant.scorer
    full.without(names)  # an unknown name fails before any question is asked
    questions = [q for group in chosen for q in group]

    def overall(scorer) -> dict:
        assistant.scorer = scorer
        return groups(evaluate(questions, assistant, tuple(args.modes), split=args.split))["all"]

    base = overall(full)
    rows = []
    for name in names:
        _say(f"without {name} ...")
        cut = overall(full.without([name]))
        for mode in args.modes:
            fig, ans = cut[mode]["figure_acc@1"], cut[mode]["answerable_acc"]
            rows.append([name, mode, f"{fig:.3f}", f"{fig - base[mode]['figure_acc@1']:+.3f}",
                         f"{ans:.3f}", f"{ans - base[mode]['answerable_acc']:+.3f}"])
    assistant.scorer = full
    print(f"{full.describe()}; {len(questions)} questions (split {args.split})")
    for mode in args.modes:
        print(f"all features, {mode}: figure acc@1 {base[mode]['figure_acc@1']:.3f}, "
              f"answerable acc {base[mode]['answerable_acc']:.3f}")
    print(markdown_table(["without", "mode", "figure acc@1", "change", "answerable acc", "change"], rows), end="")
    return 0


def _load_set(load_questions, path):
    """A question set, or a QAError naming it: JSON nested too deep or an integer of
    thousands of digits must be a message, not a traceback."""
    from corpus.errors import QAError

    try:
        return load_questions(path)
    except QAError:
        raise
    except (ValueError, RecursionError) as error:
        raise QAError(f"{path} is not a readable question set ({type(error).__name__}: "
                      f"{str(error)[:160]}); fix or regenerate the file") from error
