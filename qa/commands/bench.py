"""`qa bench beir DIR`: nDCG@10 and Recall@100 of each retrieval mode on a BEIR folder,
beside the published figures, with index time and queries per second.
`qa bench tatqa DIR`: figure accuracy on real financial reports (TAT-QA), each question
asked against its own document."""

from __future__ import annotations

import argparse
import sys

DEFAULT_OUT = "eval/reports"
MODES = ("bm25", "dense", "hybrid-rrf", "hybrid-convex")  # eval.beir.MODES, kept import-free


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run retrieval benchmarks (BEIR)",
                                   description=__doc__)
    benches = parser.add_subparsers(dest="bench", metavar="BENCH", required=True)
    beir = benches.add_parser(
        "beir", help="score every retrieval mode on a BEIR-format folder",
        description="Index DIR (corpus.jsonl, queries.jsonl, qrels/test.tsv) with BM25 and "
        "dense retrieval, and report nDCG@10, Recall@100, index time and queries per second "
        "for each mode beside the published figures. Corpus embeddings are cached, so a "
        "second run skips the encoding.")
    beir.add_argument("dir", metavar="DIR", help="BEIR folder, e.g. ../shared/benchmarks/beir/scifact")
    beir.add_argument("--out", default=DEFAULT_OUT,
                      help=f"folder for beir-<name>.md/.json/.png (default {DEFAULT_OUT})")
    beir.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES),
                      help="retrieval modes to run (default: all)")
    beir.add_argument("--limit-queries", type=_positive, metavar="N",
                      help="only the first N judged queries (a quick look; written to "
                      "beir-<name>-firstN.*)")
    beir.add_argument("--depth", type=_positive, default=100,
                      help="hits taken from each retriever before fusion (default 100, at least 100)")
    beir.add_argument("--alpha-sweep", type=float, nargs="+", metavar="ALPHA", default=[],
                      help="also report convex nDCG@10 at these alphas (on the test queries: "
                      "for information, not for choosing a default)")
    beir.add_argument("--precision", choices=("fp32", "int8"), default="fp32",
                      help="embedding precision of corpus and queries (default fp32; int8 reports "
                      "are written to beir-<name>-int8.*)")
    beir.add_argument("--no-progress", action="store_true", help="no progress bar while encoding")
    beir.set_defaults(func=run_beir_command)
    tatqa = benches.add_parser(
        "tatqa", help="figure accuracy on TAT-QA financial reports",
        description="Index every document of a TAT-QA folder (docs/*.md, questions.jsonl; see "
        "its README) once, ask each question against its own document (a document filter), "
        "and report strict and lenient figure accuracy@1, figure in top 3, answered-at-all "
        "and passage hit@1/@5, per answer source. By default only the 'fit' documents of "
        "eval/tatqa_split.json are asked; the held-out third is for the final report. The "
        "extra-dev / extra-heldout parts are the gold file's contexts without a shipped "
        "document, rendered the same way (eval/tatqa_extra.py).")
    tatqa.add_argument("dir", metavar="DIR", help="TAT-QA folder, e.g. ../shared/benchmarks/tatqa")
    tatqa.add_argument("--part", choices=("fit", "heldout", "all", "extra-dev", "extra-heldout"), default="fit",
                       help="which documents' questions to ask (default fit; the held-out parts are reported once)")
    tatqa.add_argument("--mode", default="hybrid", choices=("hybrid", "bm25", "dense", "hybrid-rrf", "hybrid-convex"),
                       help="retrieval mode (default hybrid)")
    tatqa.add_argument("--out", default=DEFAULT_OUT, help=f"folder for tatqa*.md/.json (default {DEFAULT_OUT})")
    tatqa.set_defaults(func=run_tatqa_command)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def run_beir_command(args: argparse.Namespace) -> int:
    from eval.beir import results_table, run_beir, target_line, write_beir_report

    print(f"qa bench beir: indexing {args.dir} ...", file=sys.stderr)
    from eval.beir import BenchSettings
    from indexer.encoder import DenseSettings

    settings = BenchSettings(dense=DenseSettings(precision=args.precision))
    run = run_beir(args.dir, tuple(args.modes), limit_queries=args.limit_queries, settings=settings,
                   depth=args.depth, alpha_sweep=tuple(args.alpha_sweep),
                   show_progress=not args.no_progress)
    print(f"BEIR {run.dataset}: {run.documents} documents, {run.queries} queries")
    print(results_table(run), end="")
    target = target_line(run)
    if target:
        print(target)
    for alpha, ndcg in run.alpha_sweep.items():
        print(f"alpha sweep (test queries, information only): alpha={alpha:.2f} nDCG@10={ndcg:.3f}")
    for path in write_beir_report(run, args.out):
        print(f"wrote {path}")
    return 0


def run_tatqa_command(args: argparse.Namespace) -> int:
    from eval.tatqa import ask_all, groups, load_tatqa, open_tatqa_index, write_report
    from qa.assistant import Assistant

    def say(message: str) -> None:
        print(f"qa bench tatqa: {message}", file=sys.stderr, flush=True)

    questions, _ = load_tatqa(args.dir, args.part)
    say(f"{len(questions)} questions ({args.part} documents); opening the index ...")
    assistant = Assistant(open_tatqa_index(args.dir, progress=say, part=args.part))
    records = ask_all(assistant, questions, args.mode, progress=say)
    for name, row in groups(records).items():
        if row["questions"]:
            print(f"{name:<11} n={row['questions']:<4} strict {row['strict']:.3f}  lenient {row['lenient']:.3f}  "
                  f"top3 {row['top3']:.3f}  answered {row['answered']:.3f}  hit@1 {row['hit1']:.3f}  hit@5 {row['hit5']:.3f}")
    for path in write_report(args.part, records, args.out, assistant.scorer):
        print(f"wrote {path}")
    return 0
