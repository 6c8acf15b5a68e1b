"""How well the table parser reads TAT-QA's tables: `python -m eval.tatqa_cells`.

Two measures over the Markdown documents of ../shared/benchmarks/tatqa (README there):

(a) cells: of the table cells that are a number once `$`, `,`, `%`, parentheses and spaces
    are stripped, the share that become a numeric fact (a `Fact` with a value, found by
    its span). Row labels (first column) and bare years ("2019", "2018 (1)": column
    headers) are not counted; how many were left out is printed.
(b) questions: of the table questions (not the "which year was larger" comparisons), the
    share whose gold cell becomes a figure (`qa.numbers.figures_from_facts`, so the scale
    comes from the fact's unit) with value x scale equal to `gold_value` within 0.5%
    (percent answers: the number with unit %) and, when the question names a year, a
    year among those it names. TAT-QA's gold drops the sign of some parenthesised cells
    ("(319.9)" answered "319.9"): when `gold_raw` has no sign, the magnitude is compared,
    and the count of such answers is printed.

By default only the "fit" documents of eval/tatqa_split.json are read; `--part` chooses
another part of eval.tatqa (the "extra-" parts are the gold file's contexts without a
shipped document); the held-out parts are for the final report and print totals but no
failing cell.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from corpus.glossary import load_glossary
from corpus.tables import parse_tables
from corpus.types import Document
from eval.tatqa import part_folder, part_ids
from qa.numbers import figures_from_facts

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCH = ROOT.parent / "shared" / "benchmarks" / "tatqa"
TOLERANCE = 0.005
_STRIPPED = re.compile(r"[$,%()\s]")
_NUMBER_LIKE = re.compile(r"^[-−]?(?:\d+(?:\.\d+)?|\.\d+)$")
_BARE_YEAR = re.compile(r"^(?:19|20)\d{2}(?:\s*\(\w{1,2}\))*$")
_QUESTION_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass(frozen=True)
class CellCount:
    number_like: int
    as_facts: int
    bare_years: int
    misses: tuple[str, ...]


def table_cells(text: str) -> list[tuple[int, int, str, int]]:
    """(start, end, text, column) of every non-empty cell of the Markdown pipe tables."""
    cells, position = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.lstrip().startswith("|") and not re.fullmatch(r"[|\s:-]+", body):
            offset = position
            for column, part in enumerate(body.split("|")):
                stripped = part.strip()
                if stripped:
                    start = offset + part.find(stripped)
                    cells.append((start, start + len(stripped), stripped, column))
                offset += len(part) + 1
        position += len(line)
    return cells


def count_cells(document: Document) -> CellCount:
    numeric = {(f.start, f.end) for t in parse_tables(document) for f in t.facts if f.value is not None}
    number_like = as_facts = bare_years = 0
    misses = []
    for start, end, text, column in table_cells(document.text):
        if column <= 1 or not _NUMBER_LIKE.match(_STRIPPED.sub("", text)):
            continue  # column 0 is before the leading '|', column 1 holds row labels
        if _BARE_YEAR.match(text):
            bare_years += 1
            continue
        number_like += 1
        if (start, end) in numeric:
            as_facts += 1
        else:
            misses.append(f"{document.doc_id} [{start}:{end}] {text!r}")
    return CellCount(number_like, as_facts, bare_years, tuple(misses))


def check_question(question: dict, document: Document, glossary) -> tuple[bool, str, bool]:
    """(right, what came back, sign dropped by the gold) for one table question."""
    start, end = question["answer_start"], question["answer_end"]
    figures = [
        figure
        for table in parse_tables(document)
        for figure in figures_from_facts(table.facts, table.caption, glossary)
        if figure.start <= start and end <= figure.end
    ]
    if not figures:
        return False, "no figure on the gold cell", False
    figure = figures[0]
    gold = question["gold_value"]
    unsigned = not re.search(r"[(\-−]", question["gold_raw"])
    value = abs(figure.value) if unsigned and gold >= 0 else figure.value
    close = abs(value - gold) <= TOLERANCE * abs(gold) if gold else value == 0
    unit_ok = figure.unit == "%" if question["percent"] else figure.unit != "%"
    years = {int(y) for y in _QUESTION_YEAR.findall(question["question"])}
    year_ok = not years or figure.year in years
    got = f"{figure.text!r} -> {figure.value:g} {figure.unit} year {figure.year}"
    return close and unit_ok and year_ok, got, close and value != figure.value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="the tatqa folder")
    parser.add_argument("--heldout", action="store_true",
                        help="read the held-out documents (final report only; = --part heldout)")
    parser.add_argument("--part", choices=("fit", "heldout", "extra-dev", "extra-heldout"), default="fit",
                        help="which documents (eval.tatqa); failing cells are printed only for fit and extra-dev")
    args = parser.parse_args(argv)
    part = "heldout" if args.heldout else args.part
    args.heldout = part.endswith("heldout")
    ids = part_ids(part)
    folder = part_folder(args.bench, part)
    documents = {}
    for doc_id in sorted(ids):
        text = (folder / "docs" / f"{doc_id}.md").read_text(encoding="utf-8")
        documents[f"{doc_id}.md"] = Document(f"{doc_id}.md", doc_id, text)
    counts = [count_cells(document) for document in documents.values()]
    number_like = sum(c.number_like for c in counts)
    as_facts = sum(c.as_facts for c in counts)
    glossary = load_glossary()
    questions = []
    with open(folder / "questions.jsonl", encoding="utf-8") as lines:
        for line in lines:
            question = json.loads(line)
            if question["doc"] in documents and question["answer_from"] == "table":
                questions.append(question)
    scored = [q for q in questions if not q["comparison"] and q.get("answer_start") is not None]
    results = [(q, *check_question(q, documents[q["doc"]], glossary)) for q in scored]
    right = sum(ok for _, ok, _, _ in results)
    print(f"TAT-QA {part} documents: {len(documents)}")
    print(f"(a) number-like cells that become numeric facts: {as_facts}/{number_like} "
          f"= {as_facts / max(number_like, 1):.3f} ({sum(c.bare_years for c in counts)} bare "
          "years left out as column headers)")
    print(f"(b) table questions whose gold cell is a figure with the gold value and year: "
          f"{right}/{len(results)} = {right / max(len(results), 1):.3f} "
          f"({len(questions) - len(scored)} comparison questions not scored; "
          f"{sum(s for *_, s in results)} right only by magnitude, the gold dropping the sign)")
    if not args.heldout:
        for count in counts:
            for miss in count.misses:
                print(f"  cell not a fact: {miss}")
        for question, ok, got, _ in results:
            if not ok:
                print(f"  wrong: {question['doc']} {question['question']!r} gold "
                      f"{question['gold_raw']!r} {question['gold_value']:g} -> {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
