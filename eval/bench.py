"""`make bench` (`python -m eval.bench`): every measurement the README quotes, in order.

1. index: build of the bundled index from scratch (a fresh temporary cache) and an
   incremental rebuild after one document is edited; warm per-query search latency of
   bm25, dense and hybrid over the question set; cold `qa ask` time per mode (a new
   process, index cached, median of 3); then the BM25 and faiss scale runs. Targets are
   checked as met / NOT met. Writes <out>/index.md and index.json.
2. eval: `qa eval` of the question set in every mode -> <out>/<set>.md/.json/.png.
   Then the held-out "fresh" split alone -> <out>/questions-fresh.md.
3. tatqa: eval.tatqa on ../shared/benchmarks/tatqa, the "fit" documents (the scorer was
   fitted on them: training numbers) -> <out>/tatqa.md and the held-out third ->
   <out>/tatqa-heldout.md; the gold file's contexts without a shipped document
   (eval.tatqa_extra): extra-dev (fitted on) and extra-heldout (never) ->
   <out>/tatqa-extra-dev.md, <out>/tatqa-extra-heldout.md.
4. beir: eval.beir on ../shared/benchmarks/beir/{scifact,nfcorpus} -> <out>/beir-*.md
   and a summary <out>/beir.md (a missing folder is reported there and skipped).
5. readers: reading speed of the PDF, Word and HTML renderings of the bundled corpus and
   the index build of the PDF one (eval.bench_readers) -> <out>/readers.md.
6. chunking: chunking time of 5, 10 and 50 MB of table-heavy text, to show it grows
   linearly (eval.bench_chunking; why not 200 MB is said there) -> <out>/chunking.md.
7. encoder: passages per second of torch fp32, ONNX Runtime fp32 and int8 side by side,
   their cosine to torch fp32, and the question set's dev split and BEIR at fp32 and int8
   (eval.bench_encoder) -> <out>/encoder.md.
8. serve: `qa serve` under a bounded load on loopback (8 clients, 2,000 questions; 100
   malformed requests) against `qa ask --json` on stdin (eval.bench_serve) -> <out>/serve-load.md.

`--quick` runs the scale benchmarks at 20k instead of 100k and 1M and BEIR on its first
50 queries, and writes index-quick.md (BEIR's partial reports have their own names), so
a quick check never overwrites a full report. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from corpus.errors import QAError
from eval.metrics import percentile
from eval.report import machine_info, machine_line, markdown_table, write_json, write_text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "eval" / "questions.jsonl"
DEFAULT_OUT = ROOT / "eval" / "reports"
BEIR_ROOT = ROOT.parent / "shared" / "benchmarks" / "beir"
BEIR_DATASETS = ("scifact", "nfcorpus")
STAGES = ("index", "eval", "tatqa", "beir", "readers", "chunking", "encoder", "serve")
TATQA_ROOT = ROOT.parent / "shared" / "benchmarks" / "tatqa"
LATENCY_MODES = ("bm25", "dense", "hybrid")
COLD_MODES = ("bm25", "dense", "hybrid", "hybrid-rrf", "hybrid-convex")
COLD_QUESTION = "What was Guangzhou's GDP in 2016?"
COLD_RUNS = 3
TARGET_HYBRID_P50_MS = 15.0
TARGET_COLD_HYBRID_S = 2.0
FULL_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (20_000,)
QUICK_BEIR_QUERIES = 50
APPENDED = "\nThe benchmark appended this sentence to measure an incremental rebuild.\n"

Say = Callable[[str], None]


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@contextmanager
def _cache_at(path: Path) -> Iterator[None]:
    """Point the document-qa cache (DOCUMENT_QA_CACHE) at `path` for the block."""
    from indexer.paths import CACHE_ENV

    old = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(path)
    try:
        yield
    finally:
        if old is None:
            del os.environ[CACHE_ENV]
        else:
            os.environ[CACHE_ENV] = old


# --- 1. index ----------------------------------------------------------------------------

def build_benchmarks(work: Path, say: Say) -> dict[str, Any]:
    """A from-scratch build of the bundled corpus in a fresh cache, then a rebuild of a
    copy with one document edited that reuses the first build's vectors."""
    from corpus.loader import BUNDLED_CORPUS_DIR, load_documents
    from indexer.build import build_index

    with _cache_at(work / "cache"):
        say("building the bundled index from scratch (fresh cache)")
        started = time.perf_counter()
        scratch = build_index(load_documents(None), work / "scratch", progress=say)
        scratch_wall = time.perf_counter() - started

        copy = work / "corpus"
        files = sorted(p for p in BUNDLED_CORPUS_DIR.rglob("*") if p.is_file())
        for path in files:
            target = copy / path.relative_to(BUNDLED_CORPUS_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())  # not copy2: the originals are read-only
        edited = min(files, key=lambda p: (p.stat().st_size, p.name)).relative_to(BUNDLED_CORPUS_DIR)
        with open(copy / edited, "a", encoding="utf-8") as handle:
            handle.write(APPENDED)
        say(f"incremental rebuild after appending a sentence to {edited}")
        started = time.perf_counter()
        incremental = build_index(load_documents([copy]), work / "incremental", reuse_from=work / "scratch",
                                  progress=say)
        incremental_wall = time.perf_counter() - started
    # The time saved is priced at the full build's rate: BuildReport.saved_seconds is None
    # for a rebuild that embedded fewer than MIN_RATE_CHUNKS chunks (its own rate would be
    # mostly per-call overhead).
    per_chunk = scratch.embed_seconds / scratch.embedded
    return {
        "edited_document": str(edited),
        "appended": APPENDED.strip(),
        "builds": [_build_row("from scratch (fresh cache)", scratch, scratch_wall, 0.0),
                   _build_row("incremental (one document edited)", incremental, incremental_wall,
                              incremental.reused * per_chunk)],
    }


def _build_row(name: str, report, wall: float, saved: float) -> dict[str, Any]:
    return {"build": name, "documents": report.documents, "chunks": report.chunks,
            "embedded": report.embedded, "reused": report.reused, "seconds": report.seconds,
            "wall_seconds": wall, "embed_seconds": report.embed_seconds, "saved_seconds": saved}


def warm_latency(questions: Sequence[str], say: Say) -> dict[str, dict[str, float]]:
    """Per-query search latency (top 10) of each mode over the bundled index, warm: the
    index, jieba and the query encoder are loaded by one untimed query first."""
    from qa.assistant import Assistant

    assistant = Assistant.load(progress=say)
    results = {}
    for mode in LATENCY_MODES:
        retriever = assistant.retriever(mode)
        retriever.search("warm-up 大湾区", 10)
        timings = []
        for question in questions:
            started = time.perf_counter()
            retriever.search(question, 10)
            timings.append((time.perf_counter() - started) * 1000)
        results[mode] = {"queries": len(timings), "p50_ms": percentile(timings, 50),
                         "p95_ms": percentile(timings, 95)}
        say(f"warm {mode}: p50 {results[mode]['p50_ms']:.1f} ms over {len(timings)} queries")
    return results


def cold_ask(say: Say, runs: int = COLD_RUNS) -> dict[str, dict[str, Any]]:
    """Wall time of `python -m qa ask --json QUESTION --mode M` in a new process (the
    index already cached), `runs` times per mode; the median counts."""
    results = {}
    for mode in COLD_MODES:
        seconds, problem = [], None
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "qa", "ask", "--json", "--mode", mode, COLD_QUESTION],
                                  capture_output=True, text=True, cwd=ROOT)
            elapsed = time.perf_counter() - started
            if done.returncode != 0 or not _is_answer(done.stdout):
                problem = f"exit {done.returncode}: {(done.stderr.strip().splitlines() or ['no output'])[-1]}"
                break
            seconds.append(elapsed)
        results[mode] = {"runs_s": seconds, "median_s": statistics.median(seconds) if not problem else None,
                         "problem": problem}
        say(f"cold qa ask --mode {mode}: " + (problem or f"median {results[mode]['median_s']:.2f} s"))
    return results


def _is_answer(stdout: str) -> bool:
    try:
        return "answerable" in json.loads(stdout)
    except json.JSONDecodeError:
        return False


def _load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages: on a shared machine they explain slow timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "NOT met (not measured)"
    return "met" if value <= target else "NOT met"


def index_benchmarks(set_path: Path, out: Path, quick: bool, say: Say) -> list[Path]:
    """Run every index benchmark and write <out>/index.md (index-quick.md) and .json."""
    from eval.questions import load_questions

    machine = {**machine_info(), "load_average_at_start": _load_average()}
    questions = [q.question for q in load_questions(set_path)]
    with tempfile.TemporaryDirectory(prefix="document-qa-bench-") as work:
        builds = build_benchmarks(Path(work), say)
    latency = warm_latency(questions, say)
    cold = cold_ask(say)
    sizes = QUICK_SIZES if quick else FULL_SIZES
    queries = 50 if quick else 200
    from eval import bench_bm25_scale, bench_faiss_scale

    say(f"BM25 scale run at {', '.join(f'{s:,}' for s in sizes)} chunks")
    bm25_section = bench_bm25_scale.run(sizes=sizes, queries=queries)
    say(f"faiss scale run at {', '.join(f'{s:,}' for s in sizes)} vectors")
    faiss_section = bench_faiss_scale.run(sizes=sizes, queries=queries)
    data = {"machine": machine, "quick": quick, "sizes": list(sizes), **builds,
            "warm_latency": latency, "cold_ask": cold}
    stem = out / ("index-quick" if quick else "index")
    text = index_markdown(data, bm25_section, faiss_section)
    return [write_text(stem.with_suffix(".md"), text), write_json(stem.with_suffix(".json"), data)]


def index_markdown(data: dict[str, Any], bm25_section: str, faiss_section: str) -> str:
    """The index report: targets first, then builds, warm latency, cold start, scale runs."""
    hybrid_p50 = data["warm_latency"]["hybrid"]["p50_ms"]
    cold_hybrid = data["cold_ask"]["hybrid"]["median_s"]
    targets = [
        ["hybrid warm search p50 on the bundled corpus", f"<= {TARGET_HYBRID_P50_MS:.0f} ms",
         f"{hybrid_p50:.1f} ms", _verdict(hybrid_p50, TARGET_HYBRID_P50_MS)],
        ["cold `qa ask --mode hybrid`", f"<= {TARGET_COLD_HYBRID_S:.0f} s",
         "failed" if cold_hybrid is None else f"{cold_hybrid:.2f} s", _verdict(cold_hybrid, TARGET_COLD_HYBRID_S)],
    ]
    scale_targets = [line.lstrip("- ") for section in (bm25_section, faiss_section)
                     for line in section.splitlines() if "target" in line.lower() and line.startswith("-")]
    lines = [
        "# Index benchmarks", "",
        f"Measured {machine_line(data['machine'])} by `make bench` (`python -m eval.bench`); "
        f"load average at the start (1/5/15 min): {data['machine']['load_average_at_start']}.", "",
    ]
    if data["quick"]:
        lines += [f"**Quick run (--quick): scale runs at {', '.join(f'{s:,}' for s in data['sizes'])} only; "
                  "the 1M-chunk targets are not checked.**", ""]
    lines += ["## Targets", "", markdown_table(["target", "wanted", "measured", "verdict"], targets)]
    if scale_targets:
        lines += ["At scale (from the sections below):", "", *(f"- {t}" for t in scale_targets), ""]
    lines += [
        "## Building the bundled index", "",
        "From scratch: `build_index` of the bundled corpus into a fresh temporary cache (model "
        "load, jieba dictionary, chunking, BM25, embedding, faiss, atomic write). Incremental: "
        f"a copy of the corpus with one sentence appended to `{data['edited_document']}`, "
        "rebuilt reusing the first build's vectors for unchanged chunks; saved is the embedding "
        "time the reused vectors would have cost at the from-scratch build's rate per chunk.", "",
        markdown_table(["build", "documents", "chunks", "embedded", "reused", "build s",
                        "of which embedding s", "saved s"],
                       [[b["build"], b["documents"], b["chunks"], b["embedded"], b["reused"], b["seconds"],
                         b["embed_seconds"], b["saved_seconds"]] for b in data["builds"]], digits=2),
        "## Query latency on the bundled corpus (warm)", "",
        "`retriever.search(question, 10)` for each question of the evaluation set, one at a "
        "time, after one untimed query has loaded the index, jieba and the query encoder. "
        "The whole `ask` (passages, figures, answerability) is timed in the question-set report.", "",
        markdown_table(["mode", "queries", "p50 ms", "p95 ms"],
                       [[m, r["queries"], r["p50_ms"], r["p95_ms"]] for m, r in data["warm_latency"].items()],
                       digits=1),
        "## Cold `qa ask` (new process, index cached)", "",
        f"`python -m qa ask --json --mode MODE \"{COLD_QUESTION}\"`, {COLD_RUNS} runs per mode; the median counts.", "",
        markdown_table(["mode", "runs (s)", "median s"],
                       [[m, r["problem"] or ", ".join(f"{s:.2f}" for s in r["runs_s"]), r["median_s"]]
                        for m, r in data["cold_ask"].items()], digits=2),
        bm25_section.rstrip(), "", faiss_section.rstrip(),
    ]
    return "\n".join(lines).rstrip() + "\n"


# --- 2. eval -----------------------------------------------------------------------------

def eval_benchmark(set_path: Path, out: Path, say: Say) -> list[Path]:
    """`qa eval` of the set in every mode."""
    from eval.questions import load_questions, select_split
    from eval.run_questions import MODES, evaluate, groups, write_report
    from qa.assistant import Assistant

    questions = load_questions(set_path)
    assistant = Assistant.load(progress=say)
    say(f"qa eval: {len(questions)} questions x {len(MODES)} modes")
    result = evaluate(questions, assistant, MODES, progress=say)
    for mode, summary in groups(result)["all"].items():
        say(f"{mode}: R@5 {summary['recall@5']:.3f} MRR@10 {summary['mrr@10']:.3f} "
            f"figure@1 {summary['figure_acc@1']:.3f} answerable {summary['answerable_acc']:.3f}")
    written = write_report(result, out)
    fresh = select_split(load_questions(set_path), "fresh")
    if fresh:
        say(f"qa eval --split fresh: {len(fresh)} questions x {len(MODES)} modes")
        written += write_report(evaluate(fresh, assistant, MODES, split="fresh", progress=say), out)
    return written


# --- 3. tatqa ----------------------------------------------------------------------------

def tatqa_benchmark(out: Path, say: Say, root: Path = TATQA_ROOT) -> list[Path]:
    """Figures on TAT-QA's financial reports: the fit documents and the held-out third,
    then the contexts without a shipped document (eval.tatqa_extra): extra-dev (fitted on)
    and extra-heldout (never fitted on)."""
    from eval.tatqa import ask_all, groups as tatqa_groups, load_tatqa, open_tatqa_index, write_report as write_tatqa
    from qa.assistant import Assistant

    if not root.is_dir():
        say(f"TAT-QA: {root} not found; skipped")
        return []
    assistants = {}
    written = []
    for part in ("fit", "heldout", "extra-dev", "extra-heldout"):
        folder = "extra" if part.startswith("extra-") else "shipped"
        if folder not in assistants:
            assistants[folder] = Assistant(open_tatqa_index(root, progress=say, part=part))
        assistant = assistants[folder]
        questions, _ = load_tatqa(root, part)
        records = ask_all(assistant, questions, progress=say)
        overall = tatqa_groups(records)["all"]
        say(f"TAT-QA {part}: strict {overall['strict']:.3f} answered {overall['answered']:.3f}")
        written += write_tatqa(part, records, out, assistant.scorer)
    return written


# --- 4. beir -----------------------------------------------------------------------------

def beir_benchmarks(out: Path, quick: bool, say: Say, root: Path = BEIR_ROOT) -> list[Path]:
    """eval.beir on each dataset folder found; <out>/beir.md sums them up and names the
    folders that were missing."""
    from eval.beir import results_table, run_beir, target_line, write_beir_report

    written, lines = [], ["# BEIR", "", f"Measured {machine_line(machine_info())} by `make bench`.", ""]
    if quick:
        lines += [f"**Quick run (--quick): the first {QUICK_BEIR_QUERIES} queries only; not comparable "
                  "with the published figures.**", ""]
    for name in BEIR_DATASETS:
        folder = root / name
        lines += [f"## {name}", ""]
        if not folder.is_dir():
            say(f"BEIR {name}: {folder} not found; skipped")
            lines += [f"Skipped: the folder `{folder}` was not found.", ""]
            continue
        say(f"BEIR {name}: indexing and searching {folder}")
        run = run_beir(folder, limit_queries=QUICK_BEIR_QUERIES if quick else None, show_progress=True)
        written += write_beir_report(run, out)
        lines += [f"{run.documents:,} documents, {run.queries} queries.", "", results_table(run)]
        target = target_line(run)
        if target:
            lines += [target, ""]
            say(f"BEIR {name}: {target}")
    stem = out / ("beir-quick" if quick else "beir")
    written.append(write_text(stem.with_suffix(".md"), "\n".join(lines).rstrip() + "\n"))
    return written


# --- entry point -------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=STAGES, help="run one stage only")
    parser.add_argument("--quick", action="store_true",
                        help="small scale runs (20k) and 50 BEIR queries, written to *-quick / *-first50 reports")
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help=f"question set (default {DEFAULT_SET.relative_to(ROOT)})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT.relative_to(ROOT)})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = parse_args(argv)
    stages = [args.only] if args.only else list(STAGES)
    written: list[Path] = []
    try:
        for stage in stages:
            started = time.perf_counter()
            _say(f"== {stage} ==")
            if stage == "index":
                written += index_benchmarks(args.set, args.out, args.quick, _say)
            elif stage == "eval":
                written += eval_benchmark(args.set, args.out, _say)
            elif stage == "tatqa":
                written += tatqa_benchmark(args.out, _say)
            elif stage == "readers":
                from eval.bench_readers import readers_benchmark

                written += readers_benchmark(args.out, _say)
            elif stage == "chunking":
                from eval.bench_chunking import chunking_benchmark

                written += chunking_benchmark(args.out, args.quick, _say)
            elif stage == "encoder":
                from eval.bench_encoder import encoder_benchmark

                written += encoder_benchmark(args.out, args.quick, _say)
            elif stage == "serve":
                from eval.bench_serve import serve_benchmark

                written += serve_benchmark(args.out, args.quick, _say)
            else:
                written += beir_benchmarks(args.out, args.quick, _say)
            _say(f"{stage} done in {time.perf_counter() - started:.0f} s")
    except QAError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
