"""Measure each reader on the bundled corpus: render it as PDF, Word and HTML, index each
rendering, and ask the question set's dev split of each, against the .txt originals.

    python scripts/eval_renderings.py OUT_DIR [--split dev] [--formats pdf docx html]

Writes OUT_DIR/renderings/<format>/, OUT_DIR/index-<format>/, OUT_DIR/reports/<format>/
(the `qa eval` reports) and OUT_DIR/renderings.md, the table of figure accuracy@1,
Recall@5 and answerable accuracy per rendering (issue 10's target: within 0.03 of .txt),
with the time to read each rendering and to build its index.

The question set's evidence strings must occur in a rendering's text exactly once. A
reader writes a table row without the trailing empty cells of the .txt layout
(`| 32.80 | |||` becomes `| 32.80`), so an evidence string that is not found verbatim is
looked up again with its outer pipes and spaces trimmed; how many were is reported. No
other change is made to the questions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.loader import load_documents  # noqa: E402

QUESTIONS = ROOT / "eval" / "questions.jsonl"
MODE = "hybrid"
METRICS = ("figure_acc@1", "recall@5", "answerable_acc")


def adapted_questions(documents, target: Path, split: str) -> int:
    """The question set with evidence found in the rendering; returns how many evidence
    strings needed their outer pipes trimmed to be found."""
    texts = [document.text for document in documents]
    trimmed = 0
    rows = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        question = json.loads(line)
        if question.get("split") != split:
            continue
        evidence = []
        for text in question["evidence"]:
            if sum(t.count(text) for t in texts) != 1:
                stripped = text.strip(" |")
                if sum(t.count(stripped) for t in texts) == 1:
                    text, trimmed = stripped, trimmed + 1
            evidence.append(text)
        rows.append(json.dumps({**question, "evidence": evidence}, ensure_ascii=False))
    target.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return trimmed


def run_eval(question_set: Path, index: Path | None, out: Path, split: str) -> dict:
    command = [sys.executable, "-m", "qa", "eval", str(question_set), "--split", split,
               "--modes", MODE, "--out", str(out)]
    if index is not None:
        command += ["--index", str(index)]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    report = next(out.glob("*.json"))
    return json.loads(report.read_text(encoding="utf-8"))["summary"]["all"][MODE]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--split", default="dev", choices=("dev", "test", "fresh"))
    parser.add_argument("--formats", nargs="+", default=["pdf", "docx", "html"])
    args = parser.parse_args(argv)
    from indexer.build import build_index
    from indexer.settings import IndexSettings

    sys.path.insert(0, str(ROOT / "scripts"))
    import render_corpus

    out = args.out.resolve()
    render_corpus.main([str(out / "renderings"), "--formats", *args.formats])
    baseline_set = out / f"questions-{args.split}-txt.jsonl"
    adapted_questions(load_documents(), baseline_set, args.split)
    results = {"txt": (run_eval(baseline_set, None, out / "reports" / "txt", args.split), 0, None, None)}
    for kind in args.formats:
        started = time.perf_counter()
        documents = load_documents([out / "renderings" / kind])
        read_seconds = time.perf_counter() - started
        report = build_index(documents, out / f"index-{kind}", IndexSettings())
        question_set = out / f"questions-{args.split}-{kind}.jsonl"
        trimmed = adapted_questions(documents, question_set, args.split)
        summary = run_eval(question_set, out / f"index-{kind}", out / "reports" / kind, args.split)
        results[kind] = (summary, trimmed, read_seconds, report.seconds)
    lines = [f"| rendering | {' | '.join(METRICS)} | evidence trimmed | read s | index build s |",
             "|---|" + "---|" * (len(METRICS) + 3)]
    base = results["txt"][0]
    for kind, (summary, trimmed, read_seconds, build_seconds) in results.items():
        cells = [f"{summary[m]:.3f}" + ("" if kind == "txt" else f" ({summary[m] - base[m]:+.3f})") for m in METRICS]
        timing = [f"{value:.1f}" if value is not None else "" for value in (read_seconds, build_seconds)]
        lines.append(f"| {kind} | {' | '.join(cells)} | {trimmed} | {' | '.join(timing)} |")
    table = "\n".join(lines)
    (out / "renderings.md").write_text(f"{args.split} split, {MODE}\n\n{table}\n", encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
