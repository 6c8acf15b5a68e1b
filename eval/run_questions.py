"""Evaluate a question set against the Assistant, mode by mode, and write its report.

`evaluate(questions, assistant, modes)` asks every question in every mode (top_k=10) and
keeps one `Record` a (question, mode); `summarise` turns records into Recall@1/5/10,
MRR@10, nDCG@10 (binary relevance), figure accuracy@1, unit agreement@1, answerable
accuracy and latency p50/p95; `write_report` writes <out>/<set>.md, .json and .png.

Relevance (docs/design.md): a passage is relevant when its cited span (doc, start, end) covers
an evidence span, i.e. overlaps it by at least min(len(evidence) / 2, 40) characters; the
evidence span is where its string occurs, exactly once, in the index's documents. Each
evidence span is credited once, to the best-ranked passage covering it (a second passage
over the same evidence is a duplicate, not another relevant item), so Recall@k is the
share of a question's evidence spans covered in the top k and nDCG's ideal is one
relevant passage per evidence span. Retrieval metrics are over answerable questions only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpus.types import Document
from eval.metrics import binary_qrels, mean, ndcg_at_k, percentile, recall_at_k, reciprocal_rank
from eval.questions import Question, QuestionSetError
from eval.report import bar_chart, machine_info, machine_line, markdown_table, write_json, write_text

MODES = ("bm25", "dense", "hybrid-rrf", "hybrid-convex")
TOP_K = 10
RECALL_CUTOFFS = (1, 5, 10)
MISS_AT = 5  # a retrieval failure in the report: no relevant passage in the top 5
OVERLAP_CAP = 40  # characters; the relevance rule of docs/design.md
FIGURE_RTOL = 0.005  # figure accuracy's relative tolerance (0.5%)
# The targets on the test split for hybrid retrieval.
TEST_TARGETS = {"recall@5": 0.95, "mrr@10": 0.85, "figure_acc@1": 0.90, "answerable_acc": 0.90}
METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "figure_acc@1",
           "unit_acc@1", "answerable_acc", "latency_p50_ms", "latency_p95_ms")

Progress = Callable[[str], None]


# --- Relevance ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    """A cited stretch of one document: str offsets [start, end)."""

    doc_id: str
    start: int
    end: int


def overlap(a: Span, b: Span) -> int:
    """Characters two spans share (0 for different documents or disjoint spans)."""
    if a.doc_id != b.doc_id:
        return 0
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def covers(passage: Span, evidence: Span) -> bool:
    """The rule of docs/design.md: the passage overlaps the evidence by at least half its length,
    capped at 40 characters (so a long evidence needs 40 shared characters, not half)."""
    needed = min((evidence.end - evidence.start) / 2, OVERLAP_CAP)
    return overlap(passage, evidence) >= needed


def locate_evidence(question: Question, documents: Mapping[str, Document]) -> tuple[Span, ...]:
    """The span of each evidence string; it must occur exactly once in all `documents`."""
    spans = []
    for evidence in question.evidence:
        found = []
        for doc_id, document in documents.items():
            start = document.text.find(evidence)
            while start != -1:
                found.append(Span(doc_id, start, start + len(evidence)))
                start = document.text.find(evidence, start + 1)
        if len(found) != 1:
            where = ", ".join(f"{s.doc_id} at {s.start}" for s in found[:3])
            problem = "is not in any document of the index" if not found else \
                f"occurs {len(found)} times ({where}); it must occur exactly once"
            raise QuestionSetError(f"{question.where}: question {question.id}: evidence {_clip(evidence, 60)!r} {problem}")
        spans.append(found[0])
    return tuple(spans)


def judged_ids(passages: Sequence[Span], evidence: Sequence[Span]) -> list[str]:
    """Passages as ids for the metrics: `e<j>` for the best-ranked passage covering
    evidence j (each evidence credited once), `p<rank>` for every other passage."""
    credited: set[int] = set()
    ids = []
    for rank, passage in enumerate(passages, start=1):
        fresh = [j for j, span in enumerate(evidence) if j not in credited and covers(passage, span)]
        if fresh:
            credited.add(fresh[0])
            ids.append(f"e{fresh[0]}")
        else:
            ids.append(f"p{rank}")
    return ids


def figure_correct(got: float | None, expected: float) -> bool:
    """Within a relative tolerance of 0.5% of the expected value (exact for 0)."""
    return got is not None and abs(got - expected) <= FIGURE_RTOL * abs(expected)


# --- Evaluation --------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """One question asked in one mode: what was expected, what came back, the scores.

    Retrieval fields are None for unanswerable questions, figure fields None for
    questions without a numeric answer."""

    id: str
    split: str | None
    tags: tuple[str, ...]
    mode: str
    question: str
    evidence: tuple[str, ...]
    first_relevant_rank: int | None
    recall: dict[str, float] | None  # "recall@1" ... -> share of evidence spans
    reciprocal_rank: float | None
    ndcg: float | None
    expected_value: float | None
    expected_unit: str | None
    figure_value: float | None
    figure_unit: str | None
    figure_label: str | None
    figure_text: str | None
    figure_correct: bool | None
    unit_correct: bool | None
    expected_answerable: bool
    answerable: bool
    reason: str
    top_passage: dict[str, Any] | None  # doc, start, end, text (clipped)
    latency_ms: float


@dataclass(frozen=True)
class EvalResult:
    """Every record of a run, plus what the report header needs."""

    set_path: str
    split: str
    modes: tuple[str, ...]
    k: int
    questions: int
    index: dict[str, Any]
    records: tuple[Record, ...]

    def of(self, mode: str) -> list[Record]:
        return [r for r in self.records if r.mode == mode]


def warm_up(assistant, modes: Sequence[str]) -> None:
    """Load what the modes need (index parts, jieba, the query encoder) before timing, so
    the first question's latency is a question's and not the start-up's."""
    assistant.index.tokenizer.tokenize("粤港澳大湾区 warm-up")
    _ = assistant.index.bm25  # loaded on first use
    if any(mode != "bm25" for mode in modes):
        _ = assistant.index.dense
    for mode in modes:
        assistant.retriever(mode)


def evaluate(questions: Sequence[Question], assistant, modes: Sequence[str] = MODES, k: int = TOP_K,
             split: str = "all", progress: Progress | None = None) -> EvalResult:
    """Ask every question in every mode and score the answers. `split` only labels the
    result (the caller chose the questions, e.g. with `eval.questions.select_split`).

    Modes take turns per question, in an order that rotates from one question to the
    next, so the assistant's per-chunk figure cache favours no mode's latency.
    """
    from indexer.retrievers import MODES as KNOWN

    if not modes or any(m not in KNOWN for m in modes) or len(set(modes)) != len(modes):
        raise QuestionSetError(f"modes must be distinct names from {', '.join(KNOWN)}; got {list(modes)}")
    if k < max(RECALL_CUTOFFS):
        raise QuestionSetError(f"k must be at least {max(RECALL_CUTOFFS)} (Recall@10); got {k}")
    if not questions:
        raise QuestionSetError("no questions to evaluate")
    documents = assistant.index.documents
    evidence = {q.id: locate_evidence(q, documents) for q in questions}  # fail before asking
    warm_up(assistant, modes)
    records = []
    for i, question in enumerate(questions):
        shift = i % len(modes)
        for mode in tuple(modes[shift:]) + tuple(modes[:shift]):
            records.append(_ask(assistant, question, evidence[question.id], mode, k))
        if progress and ((i + 1) % 20 == 0 or i + 1 == len(questions)):
            progress(f"{i + 1}/{len(questions)} questions")
    order = {mode: n for n, mode in enumerate(modes)}
    records.sort(key=lambda r: order[r.mode])  # stable: question order within a mode
    index = assistant.index
    return EvalResult(
        set_path=questions[0].source, split=split, modes=tuple(modes), k=k, questions=len(questions),
        index={"path": str(index.path), "model_id": index.model_id, "documents": len(index.documents),
               "chunks": len(index.chunks), "scorer": assistant.scorer.describe(),
               "scorer_weights": dict(assistant.scorer.table())},
        records=tuple(records),
    )


def _ask(assistant, question: Question, evidence: tuple[Span, ...], mode: str, k: int) -> Record:
    started = time.perf_counter()
    answer = assistant.ask(question.question, top_k=k, mode=mode)
    latency_ms = (time.perf_counter() - started) * 1000
    spans = [Span(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in answer.passages]
    first = recall = rr = ndcg = None
    if question.answerable:
        ids = judged_ids(spans, evidence)
        qrels = binary_qrels(f"e{j}" for j in range(len(evidence)))
        first = next((rank for rank, x in enumerate(ids, start=1) if x in qrels), None)
        recall = {f"recall@{c}": recall_at_k(ids, qrels, c) for c in RECALL_CUTOFFS}
        rr, ndcg = reciprocal_rank(ids, qrels, k), ndcg_at_k(ids, qrels, k)
    top = answer.figures[0] if answer.answerable and answer.figures else None
    expected = question.answer
    top_passage = None
    if answer.passages:
        chunk = answer.passages[0].chunk
        text = assistant.index.documents[chunk.doc_id].text[chunk.start:chunk.end]
        top_passage = {"doc": chunk.doc_id, "start": chunk.start, "end": chunk.end, "text": _clip(text, 160)}
    return Record(
        id=question.id, split=question.split, tags=question.tags, mode=mode, question=question.question,
        evidence=question.evidence, first_relevant_rank=first, recall=recall, reciprocal_rank=rr, ndcg=ndcg,
        expected_value=expected.value if expected else None, expected_unit=expected.unit if expected else None,
        figure_value=top.value if top else None, figure_unit=top.unit if top else None,
        figure_label=top.label if top else None, figure_text=top.text if top else None,
        figure_correct=figure_correct(top.value if top else None, expected.value) if expected else None,
        unit_correct=(top is not None and top.unit == expected.unit) if expected else None,
        expected_answerable=question.answerable, answerable=answer.answerable, reason=answer.reason,
        top_passage=top_passage, latency_ms=latency_ms,
    )


def summarise(records: Sequence[Record]) -> dict[str, Any]:
    """The metrics of a group of records (one mode); None where the group has no
    question the metric is defined for (e.g. no answerable question)."""

    def share(values: list[bool]) -> float | None:
        return sum(values) / len(values) if values else None

    retrieval = [r for r in records if r.recall is not None]
    figures = [r for r in records if r.figure_correct is not None]
    latencies = [r.latency_ms for r in records]
    summary: dict[str, Any] = {"questions": len(records), "answerable": len(retrieval), "with_figure": len(figures)}
    for cutoff in RECALL_CUTOFFS:
        summary[f"recall@{cutoff}"] = mean([r.recall[f"recall@{cutoff}"] for r in retrieval]) if retrieval else None
    summary["mrr@10"] = mean([r.reciprocal_rank for r in retrieval]) if retrieval else None
    summary["ndcg@10"] = mean([r.ndcg for r in retrieval]) if retrieval else None
    summary["figure_acc@1"] = share([r.figure_correct for r in figures])
    summary["unit_acc@1"] = share([r.unit_correct for r in figures])
    summary["answerable_acc"] = share([r.answerable == r.expected_answerable for r in records])
    summary["latency_p50_ms"] = percentile(latencies, 50) if latencies else None
    summary["latency_p95_ms"] = percentile(latencies, 95) if latencies else None
    return summary


def groups(result: EvalResult) -> dict[str, dict[str, dict[str, Any]]]:
    """Summaries keyed by group ("all", "split:dev", "tag:zh", ...) then mode."""
    splits = sorted({r.split for r in result.records if r.split is not None})
    tags = sorted({t for r in result.records for t in r.tags})
    selectors: dict[str, Callable[[Record], bool]] = {"all": lambda r: True}
    selectors.update({f"split:{s}": (lambda r, s=s: r.split == s) for s in splits})
    selectors.update({f"tag:{t}": (lambda r, t=t: t in r.tags) for t in tags})
    return {
        name: {mode: summarise([r for r in result.of(mode) if keep(r)]) for mode in result.modes}
        for name, keep in selectors.items()
    }


def misses(records: Sequence[Record]) -> dict[str, list[Record]]:
    """The failing records of one mode by kind: retrieval miss at 5, wrong top figure,
    wrong answerable verdict."""
    return {
        "retrieval": [r for r in records if r.recall is not None
                      and (r.first_relevant_rank is None or r.first_relevant_rank > MISS_AT)],
        "figure": [r for r in records if r.figure_correct is False],
        "answerable": [r for r in records if r.answerable != r.expected_answerable],
    }


def target_lines(summaries: Mapping[str, Mapping[str, dict[str, Any]]]) -> list[str]:
    """The issue's test-split targets, met / NOT met, for each hybrid mode evaluated."""
    test = summaries.get("split:test", {})
    lines = []
    for mode, summary in test.items():
        if not mode.startswith("hybrid"):
            continue
        checks = []
        for metric, target in TEST_TARGETS.items():
            value = summary[metric]
            verdict = "no data" if value is None else ("met" if value >= target else "NOT met")
            checks.append(f"{metric} {_num(value)} (>= {target:.2f}: {verdict})")
        lines.append(f"- {mode}, test split: " + "; ".join(checks))
    return lines


# --- Report ------------------------------------------------------------------------------

HEADERS = ["n", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "figure acc@1", "unit acc@1",
           "answerable acc", "p50 ms", "p95 ms"]
CHART_METRICS = (("R@1", "recall@1"), ("R@5", "recall@5"), ("R@10", "recall@10"), ("MRR@10", "mrr@10"),
                 ("nDCG@10", "ndcg@10"), ("figure@1", "figure_acc@1"), ("answerable", "answerable_acc"))


def summary_row(summary: Mapping[str, Any]) -> list[Any]:
    return [summary["questions"], *(summary[m] for m in METRICS[:8]),
            *(None if summary[m] is None else f"{summary[m]:.1f}" for m in METRICS[8:])]


def report_stem(result: EvalResult) -> str:
    """`<set stem>`, or `<set stem>-dev` / `-test` for a one-split run, so a tuning run
    on dev never overwrites the full report."""
    stem = Path(result.set_path).stem
    return stem if result.split == "all" else f"{stem}-{result.split}"


def render_markdown(result: EvalResult, machine: Mapping[str, Any]) -> str:
    """The report: header, overall / per-split / per-tag tables, targets, failures."""
    summaries = groups(result)
    lines = [
        f"# Question set `{Path(result.set_path).name}`: retrieval, figures and answerability", "",
        f"Measured {machine_line(machine)}.", "",
        f"{result.questions} questions (split: {result.split}) from `{result.set_path}`; index "
        f"`{result.index['path']}` ({result.index['documents']} documents, {result.index['chunks']} "
        f"chunks, model {result.index['model_id']}); `assistant.ask(question, top_k={result.k}, mode)`.", "",
        f"Figures ranked by the {result.index.get('scorer', 'figure scorer')}; weights: "
        + ", ".join(f"{name} {weight:+.3g}" for name, weight in result.index.get("scorer_weights", {}).items()) + ".", "",
        "Relevance: a passage is relevant when its cited span overlaps the evidence span by at "
        f"least min(len(evidence)/2, {OVERLAP_CAP}) characters; each evidence span counts once. "
        "R@k, MRR@10 and nDCG@10 (binary) are over answerable questions; figure accuracy@1 is "
        f"the top figure within {FIGURE_RTOL:.1%} of the answer, over questions with a numeric "
        "answer (no figure or an unanswerable verdict counts as wrong); unit acc@1 is the top "
        "figure's unit equal to the answer's; answerable acc is over all questions. Latency is "
        "the wall time of one `ask`, warm (index and model loaded first), modes interleaved.", "",
        "## Overall", "",
        markdown_table(["mode", *HEADERS], [[m, *summary_row(s)] for m, s in summaries["all"].items()]),
    ]
    for kind, title in (("split", "By split"), ("tag", "By tag")):
        rows = [[name.split(":", 1)[1], mode, *summary_row(s)]
                for name, by_mode in summaries.items() if name.startswith(kind + ":")
                for mode, s in by_mode.items()]
        if rows:
            lines += [f"## {title}", "", markdown_table([kind, "mode", *HEADERS], rows)]
    targets = target_lines(summaries)
    if targets:
        lines += ["## Targets (issue 5, test split)", "", *targets, ""]
    lines += [f"![metrics by mode]({report_stem(result)}.png)", "", "## Failures", "",
              f"Per mode: answerable questions with no relevant passage in the top {MISS_AT}, "
              "questions whose top figure is wrong, and wrong answerable verdicts.", ""]
    for mode in result.modes:
        lines += _failure_section(mode, misses(result.of(mode)))
    return "\n".join(lines).rstrip() + "\n"


def _failure_section(mode: str, failed: Mapping[str, list[Record]]) -> list[str]:
    lines = [f"### {mode}", ""]
    retrieval = [[r.id, r.split, _clip(r.question, 90), " / ".join(_clip(e, 70) for e in r.evidence),
                  _passage(r.top_passage), r.first_relevant_rank or "none in top 10"]
                 for r in failed["retrieval"]]
    figures = [[r.id, r.split, _clip(r.question, 90), _value(r.expected_value, r.expected_unit),
                _got_figure(r)] for r in failed["figure"]]
    verdicts = [[r.id, r.split, _clip(r.question, 90), r.expected_answerable, r.answerable, _clip(r.reason, 90)]
                for r in failed["answerable"]]
    for title, headers, rows in (
        (f"Retrieval misses at {MISS_AT}", ["id", "split", "question", "expected evidence", "got (top passage)",
                                           "first relevant rank"], retrieval),
        ("Wrong top figure", ["id", "split", "question", "expected", "got"], figures),
        ("Wrong answerable verdict", ["id", "split", "question", "expected", "got", "reason"], verdicts),
    ):
        lines += [f"{title}: {len(rows)}", ""]
        if rows:
            lines += [markdown_table(headers, rows)]
    return lines


def _clip(text: str, limit: int) -> str:
    """One line, at most `limit` characters (markdown cells cannot hold line breaks)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _value(value: float | None, unit: str | None) -> str:
    if value is None:
        return "none"
    return f"{value:.6g}" + (f" {unit}" if unit else "")


def _got_figure(record: Record) -> str:
    if not record.answerable:
        return f"unanswerable ({_clip(record.reason, 60)})"
    if record.figure_value is None:
        return "no figure"
    return f"{_value(record.figure_value, record.figure_unit)} \"{record.figure_text}\" ({_clip(record.figure_label or '', 50)})"


def _passage(passage: Mapping[str, Any] | None) -> str:
    if passage is None:
        return "no passage"
    return f"{passage['doc']} [{passage['start']}:{passage['end']}] {_clip(passage['text'], 80)}"


def render_json(result: EvalResult, machine: Mapping[str, Any]) -> dict[str, Any]:
    """The report as data, with every per-question record for tuning scripts."""
    return {
        "machine": dict(machine),
        "set": result.set_path,
        "split": result.split,
        "modes": list(result.modes),
        "k": result.k,
        "questions": result.questions,
        "index": result.index,
        "relevance": f"overlap >= min(len(evidence)/2, {OVERLAP_CAP}); each evidence span credited once",
        "figure_rtol": FIGURE_RTOL,
        "summary": groups(result),
        "records": [asdict(r) for r in result.records],
    }


def write_report(result: EvalResult, out_dir: str | Path, machine: Mapping[str, Any] | None = None) -> list[Path]:
    """Write <out>/<stem>.md, .json and .png; return their paths."""
    machine = machine or machine_info()
    stem = Path(out_dir) / report_stem(result)
    overall = groups(result)["all"]
    series = {mode: [overall[mode][key] or 0.0 for _, key in CHART_METRICS] for mode in result.modes}
    chart = bar_chart(stem.with_suffix(".png"), [label for label, _ in CHART_METRICS], series,
                      title=f"{Path(result.set_path).name} ({result.questions} questions, split {result.split})",
                      ylabel="score")
    return [
        write_text(stem.with_suffix(".md"), render_markdown(result, machine)),
        write_json(stem.with_suffix(".json"), render_json(result, machine)),
        chart,
    ]
