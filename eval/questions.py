"""Question sets (`eval/*.jsonl`, docs/design.md, "Contracts"): load and validate.

One JSON object a line:
`{"id", "question", "evidence": [...], "answer": {"value", "unit"} | null, "answerable",
"tags": [...], "split": "dev" | "test" | "fresh"}` (`split` may be left out in a user's own
set). Anything else is refused with `QuestionSetError` naming the file and line, so a typo in
a hand-written set fails loudly instead of quietly changing the scores.

The split "fresh" is held out: questions written after the test split had been used to
choose fixes, to be scored once, at the end. `load_questions` validates them but leaves them
out of the list it returns (so `make bench` and `qa eval` without `--split fresh` never ask
them); only `select_split(questions, "fresh")` returns them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.errors import QAError

SPLITS = ("dev", "test", "fresh")
HELD_OUT = ("fresh",)  # splits asked only when chosen by name, never as part of "all"
REQUIRED_KEYS = ("id", "question", "evidence", "answer", "answerable", "tags")
OPTIONAL_KEYS = ("split",)


class QuestionSetError(QAError, ValueError):
    """A question set file is missing, unreadable or malformed; the message names the
    file and line and says what is wrong."""


@dataclass(frozen=True)
class Expected:
    """The numeric answer of a question: a value and a canonical unit (or None)."""

    value: float
    unit: str | None


class QuestionSet(list):
    """The questions of a set that are not held out, in file order; `held_out` keeps the
    questions of the held-out splits (`HELD_OUT`) for `select_split`."""

    def __init__(self, questions=(), held_out=()):
        super().__init__(questions)
        self.held_out: tuple[Question, ...] = tuple(held_out)


@dataclass(frozen=True)
class Question:
    """One question of a set, with where it was written (`source`, 1-based `line`)."""

    id: str
    question: str
    evidence: tuple[str, ...]
    answer: Expected | None
    answerable: bool
    tags: tuple[str, ...]
    split: str | None
    source: str
    line: int

    @property
    def where(self) -> str:
        """`file:line` for messages."""
        return f"{self.source}:{self.line}"


def load_questions(path: str | Path) -> QuestionSet:
    """Every question of the set at `path`, in file order, except those of a held-out split
    (kept in `.held_out`); blank lines are skipped. Held-out questions are validated too.

    Raises `QuestionSetError` for a missing or non-UTF-8 file, an empty set, a line that
    is not a JSON object of the format, or a repeated id.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise QuestionSetError(f"{path}: no such question set file") from error
    except OSError as error:
        raise QuestionSetError(f"{path}: cannot read the question set: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise QuestionSetError(f"{path}:{line}: not UTF-8 text; a question set is UTF-8 JSON Lines") from error
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        question = parse_question(line, str(path), number)
        if question.id in first_line:
            raise QuestionSetError(
                f"{path}:{number}: id {question.id!r} is already used on line {first_line[question.id]}; ids must be unique")
        first_line[question.id] = number
        questions.append(question)
    if not questions:
        raise QuestionSetError(f"{path}: the question set is empty; write one JSON object a line")
    return QuestionSet([q for q in questions if q.split not in HELD_OUT],
                       [q for q in questions if q.split in HELD_OUT])


def parse_question(line: str, source: str, number: int) -> Question:
    """One line of a set as a `Question`, or a `QuestionSetError` saying what is wrong."""
    where = f"{source}:{number}"

    def fail(message: str) -> QuestionSetError:
        return QuestionSetError(f"{where}: {message}")

    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise fail(f"not valid JSON ({error.msg} at column {error.colno})") from error
    if not isinstance(record, dict):
        raise fail(f"expected a JSON object, got {type(record).__name__}")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise fail(f"missing {', '.join(repr(k) for k in missing)}; a question has "
                   f"{', '.join(REQUIRED_KEYS)} and optionally {', '.join(OPTIONAL_KEYS)}")
    unknown = sorted(set(record) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise fail(f"unknown key(s) {', '.join(repr(k) for k in unknown)}; allowed: "
                   f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    qid, text = record["id"], record["question"]
    if not isinstance(qid, str) or not qid.strip():
        raise fail(f"'id' must be a non-empty string, got {qid!r}")
    if not isinstance(text, str) or not text.strip():
        raise fail(f"question {qid}: 'question' must be a non-empty string, got {text!r}")
    evidence = _string_list(record["evidence"], "evidence", qid, fail)
    if any(not e.strip() for e in evidence):
        raise fail(f"question {qid}: an 'evidence' string is empty")
    tags = _string_list(record["tags"], "tags", qid, fail)
    answerable = record["answerable"]
    if not isinstance(answerable, bool):
        raise fail(f"question {qid}: 'answerable' must be true or false, got {answerable!r}")
    answer = _answer(record["answer"], qid, fail)
    if answerable and not evidence:
        raise fail(f"question {qid}: an answerable question needs at least one 'evidence' string")
    if not answerable and (evidence or answer is not None):
        raise fail(f"question {qid}: an unanswerable question has empty 'evidence' and a null 'answer'")
    split = record.get("split")
    if split is not None and split not in SPLITS:
        raise fail(f"question {qid}: 'split' must be one of {', '.join(SPLITS)}, got {split!r}")
    return Question(qid, text, tuple(evidence), answer, answerable, tuple(tags), split, source, number)


def _string_list(value: Any, key: str, qid: str, fail) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise fail(f"question {qid}: {key!r} must be a list of strings, got {value!r}")
    return value


def _answer(value: Any, qid: str, fail) -> Expected | None:
    """`null` or `{"value": finite number, "unit": string or null}`."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"value", "unit"}:
        raise fail(f"question {qid}: 'answer' must be null or {{\"value\": number, \"unit\": string or null}}, got {value!r}")
    number, unit = value["value"], value["unit"]
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        raise fail(f"question {qid}: answer 'value' must be a finite number, got {number!r}")
    if unit is not None and (not isinstance(unit, str) or not unit):
        raise fail(f"question {qid}: answer 'unit' must be a non-empty string or null, got {unit!r}")
    return Expected(float(number), unit)


def select_split(questions: list[Question], split: str) -> list[Question]:
    """The questions of one split (`dev`, `test`, `fresh`), or all that are not held out
    (`all`). A held-out split comes from `questions.held_out` (see `load_questions`)."""
    held_out = list(getattr(questions, "held_out", ()))
    source = (questions or held_out)[0].source if (questions or held_out) else "the set"
    if split == "all":
        chosen = [q for q in questions if q.split not in HELD_OUT]
        if not chosen:
            raise QuestionSetError(f"{source}: every question is held out (split {', '.join(HELD_OUT)}); "
                                   "choose that split by name")
        return chosen
    if split not in SPLITS:
        raise QuestionSetError(f"split must be one of {', '.join(SPLITS)}, all; got {split!r}")
    chosen = [q for q in [*questions, *held_out] if q.split == split]
    if not chosen:
        raise QuestionSetError(f"{source}: no question has split {split!r}")
    return chosen
