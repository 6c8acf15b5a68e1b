"""`qa bench tatqa DIR`: figures on real financial reports (TAT-QA), each question asked
against its own document.

TAT-QA (Zhu et al., ACL 2021) pairs a table of a real annual report with its paragraphs;
the folder (../shared/benchmarks/tatqa, see its README) holds one Markdown document per
context and the span questions whose answer is one number. One index is built over all
documents (cached: a second run embeds nothing) and every question is asked with a
document filter to its own document, as the README prescribes.

Honest protocol: `eval/tatqa_split.json` holds out a third of the documents, chosen by a
hash of the document id before any result was seen. Development and fitting use the
"fit" part; the held-out part is reported once, at the end (`--part heldout`). The
contexts without a shipped document (eval.tatqa_extra) add "extra-dev" (development) and
"extra-heldout" (a second held-out part, never looked at before the end).

Scores, per `answer_from` (table / text) with comparison questions apart:
- strict figure@1: the top figure's value equals `gold_value` within 0.5% (percent
  answers: the number itself with unit %);
- lenient figure@1: the top figure's number as written equals `gold_number`, scale and sign
  ignored (the annotators give a bracketed cell "(319.9)" as 319.9);
- figure in top 3 (strict); answered-at-all (every question is answerable);
- the top figure's span inside the gold evidence span; passage hit@1 / hit@5 by the
  question set's overlap rule (`eval.run_questions.covers`).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from corpus.errors import QAError
from eval.run_questions import Span, covers, figure_correct

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "benchmarks" / "tatqa"
SPLIT_FILE = ROOT / "eval" / "tatqa_split.json"
EXTRA_SPLIT_FILE = ROOT / "eval" / "tatqa_extra_split.json"
PARTS = ("fit", "heldout", "all", "extra-dev", "extra-heldout")
TOP_K = 5
# Published reference points (whole TAT-QA test set, all answer types; EM / F1).
PUBLISHED = (("humans", "84.1 / 90.8"), ("TagOp (paper baseline)", "50.1 / 58.0"),
             ("extractive readers, span questions from tables (EM)", "about 0.6"))

Progress = Callable[[str], None]


class TatqaError(QAError):
    """The TAT-QA folder is missing or not in the expected layout."""


@dataclass(frozen=True)
class TatqaQuestion:
    id: str
    doc: str
    question: str
    answer_from: str
    comparison: bool
    gold_number: float
    gold_value: float
    percent: bool
    evidence_start: int
    evidence_end: int


@dataclass(frozen=True)
class TatqaRecord:
    """One question asked: what came back and how it scored."""

    id: str
    doc: str
    question: str
    answer_from: str
    comparison: bool
    gold_value: float
    percent: bool
    answered: bool
    reason: str
    figure_value: float | None
    figure_unit: str | None
    figure_text: str | None
    figure_label: str | None
    strict: bool
    lenient: bool
    top3: bool
    on_evidence: bool
    hit1: bool
    hit5: bool
    latency_ms: float


def split_documents(path: Path = SPLIT_FILE) -> dict[str, frozenset[str]]:
    """{"fit": ids, "heldout": ids} of the recorded split (document ids without .md)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {"fit": frozenset(data["fit"]), "heldout": frozenset(data["heldout"])}


def part_ids(part: str) -> frozenset[str]:
    """The document ids (without .md) of `part`, from the recorded splits."""
    if part.startswith("extra-"):
        extra = json.loads(EXTRA_SPLIT_FILE.read_text(encoding="utf-8"))
        return frozenset(extra[part.removeprefix("extra-")])
    split = split_documents()
    return split["fit"] | split["heldout"] if part == "all" else split[part]


def part_folder(folder: Path, part: str) -> Path:
    """Where `part`'s documents are: the benchmark folder, or for the "extra-" parts the
    contexts without a shipped document, rendered into the cache (eval.tatqa_extra)."""
    folder = Path(folder)
    if part not in PARTS:
        raise TatqaError(f"part must be one of {', '.join(PARTS)}; got {part!r}")
    if not (folder / "questions.jsonl").is_file() or not (folder / "docs").is_dir():
        raise TatqaError(f"{folder} is not a TAT-QA folder: it needs questions.jsonl and docs/ (see its README)")
    if part.startswith("extra-"):
        from eval.tatqa_extra import GOLD_FILE, extra_folder

        if not (folder / GOLD_FILE).is_file():
            raise TatqaError(f"{folder} has no {GOLD_FILE}; the extra parts are rendered from it")
        return extra_folder(folder)
    return folder


def load_tatqa(folder: Path, part: str = "fit") -> tuple[list[TatqaQuestion], list[Path]]:
    """The questions of `part` and the document files they are asked against."""
    folder = part_folder(folder, part)
    questions_file, docs = folder / "questions.jsonl", folder / "docs"
    keep = part_ids(part)
    questions = []
    for line in questions_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("evidence_start") is None:  # a comparison answer (a year) has the table as evidence
            row["evidence_start"], row["evidence_end"] = row["table_span"]
        if row["doc"].removesuffix(".md") not in keep:
            continue
        questions.append(TatqaQuestion(
            row["id"], row["doc"], row["question"], row["answer_from"], bool(row["comparison"]),
            float(row["gold_number"]), float(row["gold_value"]), bool(row["percent"]),
            int(row["evidence_start"]), int(row["evidence_end"])))
    paths = sorted(docs / name for name in {q.doc for q in questions})
    return questions, paths


def open_tatqa_index(folder: Path, progress: Progress | None = None, part: str = "fit"):
    """The cached index of every document of `part`'s folder (built on first use, reused after)."""
    from corpus.loader import load_documents
    from indexer.cache import open_cached_index

    folder = part_folder(folder, part)
    name = "tatqa-extra" if part.startswith("extra-") else "tatqa"
    return open_cached_index(load_documents([folder / "docs"]), name=name, progress=progress)


_WRITTEN = re.compile(r"[$€£¥,%\s]|US|RMB|HK")


def written_number(text: str | None) -> float | None:
    """The number as written, scale ignored: "$ (9,982)" -> -9982, "12.5%" -> 12.5."""
    if not text:
        return None
    negative = "(" in text or text.strip().startswith(("-", "−"))
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    if digits is None:
        return None
    value = float(digits.group().replace(",", ""))
    return -value if negative else value


def _strict(value: float | None, unit: str | None, question: TatqaQuestion) -> bool:
    if value is None:
        return False
    if question.percent:
        return unit == "%" and figure_correct(value, question.gold_number)
    return figure_correct(value, question.gold_value)


def ask_all(assistant, questions: Sequence[TatqaQuestion], mode: str = "hybrid",
            progress: Progress | None = None) -> list[TatqaRecord]:
    """Ask every question against its own document and score it."""
    records = []
    for number, question in enumerate(questions, start=1):
        if progress and number % 25 == 0:
            progress(f"{number}/{len(questions)} questions")
        started = time.perf_counter()
        answer = assistant.ask(question.question, top_k=TOP_K, mode=mode, doc=question.doc)
        elapsed = (time.perf_counter() - started) * 1000
        figures = answer.figures
        top = figures[0] if figures else None
        evidence = Span(question.doc, question.evidence_start, question.evidence_end)
        spans = [Span(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in answer.passages]
        hits = [covers(span, evidence) for span in spans]
        records.append(TatqaRecord(
            id=question.id, doc=question.doc, question=question.question,
            answer_from=question.answer_from, comparison=question.comparison,
            gold_value=question.gold_value if not question.percent else question.gold_number,
            percent=question.percent, answered=answer.answerable and top is not None,
            reason=answer.reason,
            figure_value=top.value if top else None, figure_unit=top.unit if top else None,
            figure_text=top.text if top else None, figure_label=top.label if top else None,
            strict=_strict(top.value if top else None, top.unit if top else None, question),
            lenient=top is not None and written_number(top.text) is not None
            and figure_correct(abs(written_number(top.text)), abs(question.gold_number)),
            top3=any(_strict(f.value, f.unit, question) for f in figures[:3]),
            on_evidence=top is not None and top.doc_id == question.doc
            and question.evidence_start <= top.start and top.end <= question.evidence_end,
            hit1=any(hits[:1]), hit5=any(hits[:5]), latency_ms=elapsed,
        ))
    return records


def summarise(records: Sequence[TatqaRecord]) -> dict[str, Any]:
    """Shares of each score over `records` (None when there are none)."""
    def share(name: str) -> float | None:
        return sum(getattr(r, name) for r in records) / len(records) if records else None

    return {"questions": len(records), **{name: share(name) for name in
            ("strict", "lenient", "top3", "answered", "on_evidence", "hit1", "hit5")},
            "p50_ms": statistics.median(r.latency_ms for r in records) if records else None}


def groups(records: Sequence[TatqaRecord]) -> dict[str, dict[str, Any]]:
    """The summary overall, per answer_from, and of comparison questions apart."""
    plain = [r for r in records if not r.comparison]
    return {
        "all": summarise(records),
        "table": summarise([r for r in plain if r.answer_from == "table"]),
        "text": summarise([r for r in plain if r.answer_from == "text"]),
        "comparison": summarise([r for r in records if r.comparison]),
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def render_markdown(part: str, summary: dict[str, dict[str, Any]], records: Sequence[TatqaRecord],
                    machine: str, scorer: str, weights: str = "") -> str:
    columns = ("questions", "strict", "lenient", "top3", "answered", "on_evidence", "hit1", "hit5", "p50_ms")
    lines = [f"# TAT-QA ({part} documents), each question against its own document", "",
             f"{machine}", "", f"Figures ranked by the {scorer}" + (f"; weights: {weights}." if weights else "."), "",
             ("The scorer was fitted on these documents' questions: these are training numbers, not a "
              "measure of generalisation (that is the held-out report)." if part in ("fit", "extra-dev") else
              "Held-out documents: nothing was fitted or chosen on them." if part.endswith("heldout") else ""), "",
             "| group | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 1)]
    for name, row in summary.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(row[c]) for c in columns) + " |")
    lines += ["", "strict: top figure's value = gold value within 0.5% (percent answers: the number, unit %); "
              "lenient: the number as written, scale and sign ignored; top3: strict within the first three figures; "
              "on_evidence: the top figure's span lies in the gold evidence; hit@k: a passage covers the evidence.",
              "", "Published reference points (whole test set, all answer types, EM / F1): "
              + "; ".join(f"{who} {score}" for who, score in PUBLISHED) + ".", "",
              "## Wrong top figures", "", "| id | from | question | gold | got | label |", "|---|---|---|---|---|---|"]
    for r in records:
        if not r.strict:
            got = "not answered: " + r.reason if not r.answered else f"{r.figure_value:g} {r.figure_unit or ''} ({r.figure_text})"
            lines.append(f"| {r.id[:8]} | {r.answer_from} | {r.question} | {r.gold_value:g}{' %' if r.percent else ''} "
                         f"| {got} | {r.figure_label or ''} |".replace("\n", " "))
    return "\n".join(lines) + "\n"


def write_report(part: str, records: Sequence[TatqaRecord], out_dir: Path, scorer) -> list[Path]:
    """<out>/tatqa[-part].md and .json; `scorer` is the one that ranked the figures
    (`qa.scorer.Scorer`), named with its weights in the report."""
    from eval.report import machine_info, machine_line, write_json, write_text

    summary = groups(records)
    machine = machine_info()
    stem = "tatqa" if part == "fit" else f"tatqa-{part}"
    out_dir = Path(out_dir)
    weights = ", ".join(f"{name} {w:+.3g}" for name, w in scorer.table())
    md = write_text(out_dir / f"{stem}.md",
                    render_markdown(part, summary, records, machine_line(machine), scorer.describe(), weights))
    js = write_json(out_dir / f"{stem}.json", {"part": part, "machine": machine, "scorer": scorer.describe(),
                                                "summary": summary, "records": [asdict(r) for r in records]})
    return [md, js]
