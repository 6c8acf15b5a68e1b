"""`make bench`, encoder stage (issue 14): torch fp32, ONNX Runtime fp32 and ONNX Runtime
int8 side by side, and what int8 costs in retrieval.

1. Speed: the same passages through each backend in turn, `rounds` times, the order
   rotating each round; passages per second per run, the median of each backend, and the
   median of the per-round ratios to torch fp32 (a ratio within one round is what
   survives a shared, noisy machine). Passages: SciFact's first documents (title + text,
   as `qa bench beir` embeds them) when the shared BEIR folder is there, else the bundled
   corpus's chunks.
2. Agreement: cosine of each path's vectors to torch fp32's, on those passages and on the
   question set's questions (queries are short; int8 errs most on short texts).
3. Retrieval at fp32 and int8: `qa eval` of the question set's dev split (hybrid) on the
   bundled corpus indexed at each precision (a fresh temporary cache), and BEIR nDCG@10
   (dense and hybrid convex) on SciFact and NFCorpus at each precision. BEIR corpus vectors
   are cached per precision, so only the first run embeds them (~15 min per corpus here).
4. The default rule of issue 14: int8 only if every retrieval number stays within 0.005 of
   fp32 and int8 embeds passages at least 2x as fast as torch fp32.

Writes <out>/encoder.md and encoder.json (encoder-quick.* with --quick: fewer passages,
BEIR on its first 50 queries).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from eval.report import machine_info, machine_line, markdown_table, write_json, write_text

ROOT = Path(__file__).resolve().parent.parent
BEIR_ROOT = ROOT.parent / "shared" / "benchmarks" / "beir"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
BACKENDS = ("torch fp32", "onnx fp32", "onnx int8")
TOLERANCE = 0.005  # issue 14: retrieval within 0.005 of fp32
SPEED_TARGET = 2.0  # issue 14: int8 at least 2x torch fp32's passages per second
FULL = {"passages": 320, "rounds": 3, "beir_queries": None}
QUICK = {"passages": 96, "rounds": 2, "beir_queries": 50}

Say = Callable[[str], None]


def speed_passages(count: int) -> tuple[list[str], str]:
    """`count` passages to time, and where they come from."""
    corpus = BEIR_ROOT / "scifact" / "corpus.jsonl"
    if corpus.is_file():
        texts = []
        with corpus.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                texts.append(f"{record.get('title') or ''} {record['text']}".strip())
                if len(texts) == count:
                    break
        return texts, f"SciFact's first {len(texts)} documents (title + abstract)"
    from corpus.chunker import chunk_documents, indexable_text
    from corpus.loader import load_documents

    chunks = chunk_documents(load_documents(None))
    return [indexable_text(c) for c in chunks][:count], f"the bundled corpus's first {count} chunks"


def load_backends() -> dict[str, Any]:
    from indexer.encoder import DenseSettings, load_passage_encoder, load_torch_encoder

    return {
        "torch fp32": load_torch_encoder(DenseSettings(precision="fp32")),
        "onnx fp32": load_passage_encoder(DenseSettings(precision="fp32")),
        "onnx int8": load_passage_encoder(DenseSettings(precision="int8")),
    }


def speed(encoders: dict[str, Any], texts: Sequence[str], rounds: int, say: Say) -> dict[str, Any]:
    """Passages per second of each backend over `rounds` rounds, order rotating."""
    for encoder in encoders.values():
        encoder.encode(list(texts[:4]))  # first-call costs (allocations, thread start) are not throughput
    names = list(encoders)
    runs: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            encoders[name].encode(list(texts))
            rate = len(texts) / (time.perf_counter() - started)
            runs[name].append(rate)
            say(f"round {round_number + 1}: {name} {rate:.1f} passages/s (load {_load()})")
    base = runs["torch fp32"]
    return {
        name: {"passages_per_s": rates, "median": statistics.median(rates),
               "ratio_to_torch": statistics.median(r / b for r, b in zip(rates, base))}
        for name, rates in runs.items()
    }


def agreement(encoders: dict[str, Any], texts: Sequence[str], queries: Sequence[str]) -> dict[str, Any]:
    """Cosine of each path's vectors to torch fp32's, for passages and for queries."""
    result = {}
    for what, items in (("passages", texts), ("queries", queries)):
        reference = encoders["torch fp32"].encode(list(items))
        for name in ("onnx fp32", "onnx int8"):
            vectors = encoders[name].encode(list(items))
            cosines = np.einsum("ij,ij->i", vectors, reference)
            result.setdefault(name, {})[what] = {
                "count": len(items), "mean": float(cosines.mean()), "min": float(cosines.min()),
                "max_abs_diff": float(np.abs(vectors - reference).max())}
    return result


def question_set(precision: str, work: Path, say: Say) -> dict[str, float]:
    """Hybrid R@5 and figure accuracy@1 on the dev split, bundled corpus at `precision`."""
    from corpus.loader import load_documents
    from eval.questions import load_questions, select_split
    from eval.run_questions import evaluate, groups
    from indexer.build import build_index
    from indexer.encoder import DenseSettings
    from indexer.settings import IndexSettings
    from qa.assistant import Assistant

    from eval.bench import _cache_at

    with _cache_at(work / "cache"):
        settings = IndexSettings(dense=DenseSettings(precision=precision))
        path = work / f"bundled-{precision}"
        build_index(load_documents(None), path, settings)
        assistant = Assistant.load(path)
        questions = select_split(load_questions(QUESTIONS), "dev")
        say(f"qa eval --split dev at {precision}: {len(questions)} questions")
        summary = groups(evaluate(questions, assistant, ("hybrid",), split="dev"))["all"]["hybrid"]
    return {"questions": len(questions), "recall@5": summary["recall@5"],
            "figure_acc@1": summary["figure_acc@1"], "answerable_acc": summary["answerable_acc"]}


def beir(precision: str, limit: int | None, say: Say) -> dict[str, dict[str, float]]:
    """nDCG@10 (dense, hybrid convex) of SciFact and NFCorpus at `precision`."""
    from eval.beir import BenchSettings, run_beir
    from indexer.encoder import DenseSettings

    out = {}
    for name in ("scifact", "nfcorpus"):
        folder = BEIR_ROOT / name
        if not folder.is_dir():
            say(f"BEIR {name}: {folder} not found; skipped")
            continue
        say(f"BEIR {name} at {precision} (corpus vectors cached after the first run)")
        run = run_beir(folder, ("dense", "hybrid-convex"), limit_queries=limit,
                       settings=BenchSettings(dense=DenseSettings(precision=precision)), show_progress=True)
        out[name] = {r.mode: r.ndcg_at_10 for r in run.results}
    return out


def retrieval_rows(questions: dict[str, dict], beir_scores: dict[str, dict]) -> list[dict[str, Any]]:
    """Every retrieval number at fp32 and int8, with the delta."""
    rows = []
    for key in ("recall@5", "figure_acc@1", "answerable_acc"):
        rows.append({"measure": f"question set dev, hybrid {key}",
                     "fp32": questions["fp32"][key], "int8": questions["int8"][key], "gated": key != "answerable_acc"})
    for name in beir_scores.get("fp32", {}):
        for mode in ("dense", "hybrid-convex"):
            rows.append({"measure": f"BEIR {name} nDCG@10, {mode}", "fp32": beir_scores["fp32"][name][mode],
                         "int8": beir_scores["int8"][name][mode], "gated": True})
    for row in rows:
        row["delta"] = row["int8"] - row["fp32"]
    return rows


def verdict(rows: list[dict[str, Any]], speeds: dict[str, Any]) -> dict[str, Any]:
    """Issue 14's rule for the default precision."""
    worst = min((r for r in rows if r["gated"]), key=lambda r: r["delta"])
    ratio = speeds["onnx int8"]["ratio_to_torch"]
    retrieval_ok = all(r["delta"] >= -TOLERANCE for r in rows if r["gated"])
    speed_ok = ratio >= SPEED_TARGET
    return {"retrieval_within_tolerance": retrieval_ok, "worst": worst, "int8_ratio": ratio,
            "speed_ok": speed_ok, "choose": "int8" if retrieval_ok and speed_ok else "fp32"}


def encoder_benchmark(out: Path, quick: bool, say: Say) -> list[Path]:
    from eval.questions import load_questions
    from indexer.encoder import DEFAULT_PRECISION

    plan = QUICK if quick else FULL
    machine = {**machine_info(), "load_average_at_start": _load()}
    texts, source = speed_passages(plan["passages"])
    queries = [q.question for q in load_questions(QUESTIONS)]
    say("loading torch fp32, ONNX fp32 and ONNX int8 encoders (the ONNX files are made once)")
    encoders = load_backends()
    say(f"speed: {len(texts)} passages x {len(encoders)} backends x {plan['rounds']} rounds")
    speeds = speed(encoders, texts, plan["rounds"], say)
    cosines = agreement(encoders, texts, queries)
    del encoders
    with tempfile.TemporaryDirectory(prefix="document-qa-bench-encoder-") as work:
        questions = {p: question_set(p, Path(work), say) for p in ("fp32", "int8")}
    beir_scores = {p: beir(p, plan["beir_queries"], say) for p in ("fp32", "int8")}
    rows = retrieval_rows(questions, beir_scores)
    data = {"machine": {**machine, "load_average_at_end": _load()}, "quick": quick, "passages": source,
            "rounds": plan["rounds"], "speed": speeds, "agreement": cosines, "retrieval": rows,
            "verdict": verdict(rows, speeds), "default_precision": DEFAULT_PRECISION}
    stem = out / ("encoder-quick" if quick else "encoder")
    return [write_text(stem.with_suffix(".md"), markdown(data)), write_json(stem.with_suffix(".json"), data)]


def markdown(data: dict[str, Any]) -> str:
    speeds, agree, decided = data["speed"], data["agreement"], data["verdict"]
    lines = [
        "# Encoder: torch fp32, ONNX Runtime fp32 and int8", "",
        f"Measured {machine_line(data['machine'])} by `make bench` (`python -m eval.bench --only encoder`); "
        f"load average (1/5/15 min) at the start {data['machine']['load_average_at_start']}, at the end "
        f"{data['machine']['load_average_at_end']}: the machine is shared, so compare within this run.", "",
    ]
    if data["quick"]:
        lines += ["**Quick run (--quick): fewer passages and rounds, BEIR on its first 50 queries.**", ""]
    lines += [
        "## Passages per second", "",
        f"{data['passages']}, each backend in turn, {data['rounds']} rounds (order rotating); ratio: the "
        "median of the per-round ratios to torch fp32.", "",
        markdown_table(["backend", "passages/s per round", "median", "ratio to torch fp32"],
                       [[name, ", ".join(f"{r:.1f}" for r in s["passages_per_s"]), s["median"],
                         f"{s['ratio_to_torch']:.2f}x"] for name, s in speeds.items()], digits=1),
        "## Agreement with torch fp32 (cosine)", "",
        markdown_table(["backend", "texts", "count", "mean cosine", "min cosine", "max abs diff"],
                       [[name, what, c["count"], f"{c['mean']:.4f}", f"{c['min']:.4f}", f"{c['max_abs_diff']:.1e}"]
                        for name, by in agree.items() for what, c in by.items()]),
        "## Retrieval at fp32 and int8", "",
        "The question set's dev split (hybrid, the bundled corpus indexed at each precision, queries at "
        "the index's precision) and BEIR test queries.", "",
        markdown_table(["measure", "fp32", "int8", "int8 - fp32"],
                       [[r["measure"], r["fp32"], r["int8"], f"{r['delta']:+.3f}"] for r in data["retrieval"]]),
        "## Default precision", "",
        f"Issue 14's rule: int8 only if every gated retrieval number (recall, figure accuracy, nDCG) stays "
        f"within {TOLERANCE} of fp32 and int8 embeds at least {SPEED_TARGET:.0f}x as fast as torch fp32.", "",
        f"- retrieval within {TOLERANCE}: {'yes' if decided['retrieval_within_tolerance'] else 'no'} "
        f"(worst: {decided['worst']['measure']}, {decided['worst']['delta']:+.3f})",
        f"- int8 speed: {decided['int8_ratio']:.2f}x torch fp32: {'yes' if decided['speed_ok'] else 'no'}",
        f"- the rule chooses **{decided['choose']}**; the default in this code is **{data['default_precision']}**",
    ]
    return "\n".join(lines).rstrip() + "\n"


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None
